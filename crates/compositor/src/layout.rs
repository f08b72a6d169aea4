//! The validated layout of a public stream: output size, rate and bitrate, background colour
//! and regions, built from the wire [`PublicStreamConfig`] with one clear error per bad field.
//! Pure data; the compositors read it, nothing here touches media.

use chorus_proto::{
    MAX_PUBLIC_STREAM_REGIONS, PublicStreamConfig, PublicStreamCrop, PublicStreamRegion,
    PublicStreamType, PublicStreamVideo, is_valid_id,
};

/// Output width when the config gives none.
pub const DEFAULT_WIDTH: u32 = 640;
/// Output height when the config gives none.
pub const DEFAULT_HEIGHT: u32 = 360;
/// Output frame rate when the config gives none.
pub const DEFAULT_FPS: u32 = 15;
/// Output bitrate (kbit/s) when the config gives no video at all.
pub const DEFAULT_KBPS: u32 = 500;
/// Largest output side openh264 encodes.
const MAX_SIDE: u32 = 3840;

/// Why a public stream's parameters were refused; each names the field and the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct LayoutError(pub String);

fn bad(message: String) -> LayoutError {
    LayoutError(message)
}

/// How a source fills its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderMode {
    /// Scale to cover the region, cropping what overflows (vendor value 1, the default).
    Hidden,
    /// Scale to fit inside the region, the rest shows the background (vendor value 2).
    Fit,
    /// Stretch to the region's shape (vendor value 3).
    Fill,
}

/// Which stream of a user a region shows and plays.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceKey {
    /// The room the user publishes in.
    pub room_id: String,
    /// The user.
    pub user_id: String,
    /// The screen share rather than the camera.
    pub screen: bool,
}

/// One validated region.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// The source shown.
    pub source: SourceKey,
    /// Left, top, width and height as shares of the output.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Stacking order, 0 to 100 (higher on top).
    pub zorder: i32,
    /// Opacity in (0, 1].
    pub alpha: f64,
    /// How the picture fills the region.
    pub render_mode: RenderMode,
    /// Whether the source's video is shown.
    pub video: bool,
    /// Whether the source's audio is mixed in.
    pub audio: bool,
    /// The part of the source's picture shown, as shares `[x, y, w, h]` of its size (the
    /// whole picture by default).
    pub crop: [f64; 4],
}

/// Longest background image URL the vendor allows, in bytes.
pub const MAX_BACKGROUND_IMAGE_URL: usize = 1024;

/// A validated public-stream layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Output width in pixels (even).
    pub width: u32,
    /// Output height in pixels (even).
    pub height: u32,
    /// Output frames per second.
    pub fps: u32,
    /// Output bitrate in kbit/s.
    pub kbps: u32,
    /// Background colour, RGB.
    pub background: [u8; 3],
    /// An http(s) URL of a PNG or JPEG painted under the regions, once fetched (the server's
    /// part); until then, or if it cannot be had, the colour shows.
    pub background_image: Option<String>,
    /// The regions, in stacking order (lowest zorder first, ties in the order given).
    pub regions: Vec<Region>,
}

impl Layout {
    /// Builds and checks the layout of `config`, with defaults for what it leaves out.
    pub fn from_config(config: &PublicStreamConfig) -> Result<Layout, LayoutError> {
        let base = Layout {
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            fps: DEFAULT_FPS,
            kbps: DEFAULT_KBPS,
            background: [0, 0, 0],
            background_image: None,
            regions: Vec::new(),
        };
        base.updated(config)
    }

    /// This layout with what `update` gives replaced (`updatePublicStreamParam`): the video
    /// fields given, the background colour if given, the regions if given (as a whole).
    pub fn updated(&self, update: &PublicStreamConfig) -> Result<Layout, LayoutError> {
        let mut next = self.clone();
        if let Some(video) = &update.video {
            apply_video(&mut next, video)?;
        }
        if let Some(layout) = &update.layout {
            if let Some(colour) = &layout.background_color {
                next.background = parse_colour(colour)?;
            }
            if let Some(url) = &layout.background_image {
                next.background_image = parse_image_url(url)?;
            }
            if let Some(regions) = &layout.regions {
                if regions.len() > MAX_PUBLIC_STREAM_REGIONS {
                    return Err(bad(format!(
                        "layout.regions has {} regions; a public stream takes at most {MAX_PUBLIC_STREAM_REGIONS}",
                        regions.len()
                    )));
                }
                let mut checked = regions
                    .iter()
                    .enumerate()
                    .map(|(i, r)| region(i, r))
                    .collect::<Result<Vec<_>, _>>()?;
                // A stable sort keeps the given order among equal zorders.
                checked.sort_by_key(|r| r.zorder);
                next.regions = checked;
            }
        }
        Ok(next)
    }

    /// The distinct sources of the regions, sorted.
    pub fn sources(&self) -> Vec<SourceKey> {
        let mut keys: Vec<SourceKey> = self.regions.iter().map(|r| r.source.clone()).collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

fn apply_video(layout: &mut Layout, video: &PublicStreamVideo) -> Result<(), LayoutError> {
    let side = |name: &str, value: Option<u32>, current: u32| match value {
        None => Ok(current),
        Some(v) if (16..=MAX_SIDE).contains(&v) && v % 2 == 0 => Ok(v),
        Some(v) => Err(bad(format!(
            "video.{name} is {v}; it must be even, from 16 to {MAX_SIDE}"
        ))),
    };
    layout.width = side("width", video.width, layout.width)?;
    layout.height = side("height", video.height, layout.height)?;
    if layout.width.min(layout.height) > 2160 {
        return Err(bad(format!(
            "video is {}x{}; the shorter side must be at most 2160",
            layout.width, layout.height
        )));
    }
    if let Some(fps) = video.fps {
        if !(1..=60).contains(&fps) {
            return Err(bad(format!("video.fps is {fps}; it must be 1 to 60")));
        }
        layout.fps = fps;
    }
    if !(50..=10_000).contains(&video.k_bit_rate) {
        return Err(bad(format!(
            "video.kBitRate is {}; it must be 50 to 10000",
            video.k_bit_rate
        )));
    }
    layout.kbps = video.k_bit_rate;
    Ok(())
}

/// Parses `#RRGGBB` (the `#` optional).
fn parse_colour(text: &str) -> Result<[u8; 3], LayoutError> {
    let hex = text.strip_prefix('#').unwrap_or(text);
    let fail = || {
        bad(format!(
            "layout.backgroundColor is {:?}; it must be #RRGGBB",
            chorus_proto::clip(text)
        ))
    };
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(fail());
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| fail());
    Ok([byte(0)?, byte(2)?, byte(4)?])
}

/// Checks a background image URL: empty clears it; else http:// or https:// with a host, at
/// most [`MAX_BACKGROUND_IMAGE_URL`] bytes. Whether it can be fetched is found out later.
fn parse_image_url(url: &str) -> Result<Option<String>, LayoutError> {
    if url.is_empty() {
        return Ok(None);
    }
    if url.len() > MAX_BACKGROUND_IMAGE_URL {
        return Err(bad(format!(
            "layout.backgroundImage is {} bytes; it must be at most {MAX_BACKGROUND_IMAGE_URL}",
            url.len()
        )));
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let host_given = rest.is_some_and(|r| !r.is_empty() && !r.starts_with(['/', '?', '#']));
    if !host_given || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(format!(
            "layout.backgroundImage is {:?}; it must be an http:// or https:// URL of a PNG or JPEG",
            chorus_proto::clip(url)
        )));
    }
    Ok(Some(url.to_owned()))
}

/// Checks a region's `sourceCrop`: x, y in [0, 1), w, h in (0, 1], and the crop inside the
/// picture.
fn crop(i: usize, c: Option<&PublicStreamCrop>) -> Result<[f64; 4], LayoutError> {
    let Some(c) = c else {
        return Ok([0.0, 0.0, 1.0, 1.0]);
    };
    let field = |name: &str| format!("layout.regions[{i}].sourceCrop.{name}");
    for (name, v, edge) in [
        ("x", c.x, true),
        ("y", c.y, true),
        ("w", c.w, false),
        ("h", c.h, false),
    ] {
        let ok = v.is_finite()
            && if edge {
                (0.0..1.0).contains(&v)
            } else {
                v > 0.0 && v <= 1.0
            };
        if !ok {
            let range = if edge { "[0, 1)" } else { "(0, 1]" };
            return Err(bad(format!(
                "{} is {v}; it must be in {range}",
                field(name)
            )));
        }
    }
    // A hair of slack for shares like 0.1 + 0.9 that sum above 1 in floating point.
    for (name, start, size) in [("w", c.x, c.w), ("h", c.y, c.h)] {
        if start + size > 1.0 + 1e-9 {
            return Err(bad(format!(
                "{} is {size} from {start}; the crop must end inside the picture (at most 1)",
                field(name)
            )));
        }
    }
    Ok([c.x, c.y, c.w.min(1.0 - c.x), c.h.min(1.0 - c.y)])
}

fn region(i: usize, r: &PublicStreamRegion) -> Result<Region, LayoutError> {
    let field = |name: &str| format!("layout.regions[{i}].{name}");
    for (name, id) in [("userId", &r.user_id), ("roomId", &r.room_id)] {
        if !is_valid_id(id) {
            return Err(bad(format!(
                "{} must be {}",
                field(name),
                chorus_proto::id_rule()
            )));
        }
    }
    let share = |name: &str, value: Option<f64>, default: f64, edge: bool| {
        let v = value.unwrap_or(default);
        let ok = v.is_finite()
            && if edge {
                (0.0..1.0).contains(&v)
            } else {
                v > 0.0 && v <= 1.0
            };
        if ok {
            Ok(v)
        } else {
            let range = if edge { "[0, 1)" } else { "(0, 1]" };
            Err(bad(format!(
                "{} is {v}; it must be in {range}",
                field(name)
            )))
        }
    };
    let x = share("x", r.x, 0.0, true)?;
    let y = share("y", r.y, 0.0, true)?;
    let w = share("w", r.w, 1.0, false)?;
    let h = share("h", r.h, 1.0, false)?;
    let alpha = share("alpha", r.alpha, 1.0, false)?;
    let zorder = r.zorder.unwrap_or(0);
    if !(0..=100).contains(&zorder) {
        return Err(bad(format!(
            "{} is {zorder}; it must be 0 to 100",
            field("zorder")
        )));
    }
    let render_mode = match r.render_mode.unwrap_or(1) {
        1 => RenderMode::Hidden,
        2 => RenderMode::Fit,
        3 => RenderMode::Fill,
        other => {
            return Err(bad(format!(
                "{} is {other}; it must be 1 (hidden), 2 (fit) or 3 (fill)",
                field("renderMode")
            )));
        }
    };
    let media = r.media_type.unwrap_or(PublicStreamType::AudioAndVideo);
    Ok(Region {
        source: SourceKey {
            room_id: r.room_id.clone(),
            user_id: r.user_id.clone(),
            screen: r.is_screen_stream,
        },
        x,
        y,
        w,
        h,
        zorder,
        alpha,
        render_mode,
        video: media != PublicStreamType::AudioOnly,
        audio: media != PublicStreamType::VideoOnly,
        crop: crop(i, r.source_crop.as_ref())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_proto::PublicStreamLayout;

    type Spoil = Box<dyn Fn(&mut PublicStreamConfig)>;

    fn config(regions: Vec<PublicStreamRegion>) -> PublicStreamConfig {
        PublicStreamConfig {
            video: Some(PublicStreamVideo {
                width: Some(320),
                height: Some(240),
                fps: Some(30),
                k_bit_rate: 800,
            }),
            layout: Some(PublicStreamLayout {
                background_color: Some("#102030".into()),
                background_image: None,
                regions: Some(regions),
            }),
        }
    }

    fn region_of(user: &str) -> PublicStreamRegion {
        PublicStreamRegion {
            user_id: user.into(),
            room_id: "room".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_fill_what_the_config_leaves_out() {
        let layout = Layout::from_config(&config(vec![region_of("a")])).expect("valid");
        assert_eq!(
            (layout.width, layout.height, layout.fps, layout.kbps),
            (320, 240, 30, 800)
        );
        assert_eq!(layout.background, [0x10, 0x20, 0x30]);
        let r = &layout.regions[0];
        assert_eq!(
            (r.x, r.y, r.w, r.h, r.alpha, r.zorder),
            (0.0, 0.0, 1.0, 1.0, 1.0, 0)
        );
        assert_eq!(r.render_mode, RenderMode::Hidden);
        assert!(r.video && r.audio);
        let bare = Layout::from_config(&PublicStreamConfig::default()).expect("valid");
        assert_eq!(
            (bare.width, bare.height, bare.fps),
            (DEFAULT_WIDTH, DEFAULT_HEIGHT, DEFAULT_FPS)
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases: Vec<(Spoil, &str)> = vec![
            (
                Box::new(|c| c.video.as_mut().expect("video").width = Some(321)),
                "video.width",
            ),
            (
                Box::new(|c| c.video.as_mut().expect("video").height = Some(0)),
                "video.height",
            ),
            (
                Box::new(|c| c.video.as_mut().expect("video").fps = Some(0)),
                "video.fps",
            ),
            (
                Box::new(|c| c.video.as_mut().expect("video").k_bit_rate = 0),
                "video.kBitRate",
            ),
            (
                Box::new(|c| {
                    c.layout.as_mut().expect("layout").background_color = Some("red".into())
                }),
                "backgroundColor",
            ),
            (Box::new(|c| regions(c)[0].x = Some(1.0)), "regions[0].x"),
            (Box::new(|c| regions(c)[0].y = Some(-0.1)), "regions[0].y"),
            (Box::new(|c| regions(c)[0].w = Some(0.0)), "regions[0].w"),
            (
                Box::new(|c| regions(c)[0].h = Some(f64::NAN)),
                "regions[0].h",
            ),
            (
                Box::new(|c| regions(c)[0].alpha = Some(1.5)),
                "regions[0].alpha",
            ),
            (
                Box::new(|c| regions(c)[0].zorder = Some(101)),
                "regions[0].zorder",
            ),
            (
                Box::new(|c| regions(c)[0].render_mode = Some(4)),
                "regions[0].renderMode",
            ),
            (
                Box::new(|c| regions(c)[0].user_id = String::new()),
                "regions[0].userId",
            ),
            (
                Box::new(|c| regions(c)[0].room_id = "a b".into()),
                "regions[0].roomId",
            ),
            (
                Box::new(|c| regions(c)[0].source_crop = Some(crop_of(1.0, 0.0, 0.5, 0.5))),
                "regions[0].sourceCrop.x",
            ),
            (
                Box::new(|c| regions(c)[0].source_crop = Some(crop_of(0.0, 0.0, 0.5, 0.0))),
                "regions[0].sourceCrop.h",
            ),
            (
                Box::new(|c| regions(c)[0].source_crop = Some(crop_of(0.5, 0.0, 0.75, 1.0))),
                "regions[0].sourceCrop.w",
            ),
            (
                Box::new(|c| {
                    c.layout.as_mut().expect("layout").background_image =
                        Some("ftp://example.com/a.png".into())
                }),
                "backgroundImage",
            ),
            (
                Box::new(|c| {
                    c.layout.as_mut().expect("layout").background_image =
                        Some(format!("http://example.com/{}", "a".repeat(1024)))
                }),
                "backgroundImage",
            ),
            (
                Box::new(|c| *regions(c) = (0..18).map(|i| region_of(&format!("u{i}"))).collect()),
                "at most 17",
            ),
        ];
        for (spoil, named) in cases {
            let mut c = config(vec![region_of("a")]);
            spoil(&mut c);
            let err = Layout::from_config(&c).expect_err(named);
            assert!(err.0.contains(named), "{named}: {err}");
        }
    }

    fn crop_of(x: f64, y: f64, w: f64, h: f64) -> PublicStreamCrop {
        PublicStreamCrop { x, y, w, h }
    }

    #[test]
    fn a_crop_and_an_image_url_are_kept() {
        let mut c = config(vec![PublicStreamRegion {
            source_crop: Some(crop_of(0.1, 0.2, 0.9, 0.5)),
            ..region_of("a")
        }]);
        c.layout.as_mut().expect("layout").background_image =
            Some("https://example.com/bg.png".into());
        let layout = Layout::from_config(&c).expect("valid");
        assert_eq!(layout.regions[0].crop, [0.1, 0.2, 0.9, 0.5]);
        assert_eq!(
            layout.background_image.as_deref(),
            Some("https://example.com/bg.png")
        );
        let cleared = PublicStreamConfig {
            video: None,
            layout: Some(PublicStreamLayout {
                background_image: Some(String::new()),
                ..Default::default()
            }),
        };
        assert_eq!(
            layout.updated(&cleared).expect("valid").background_image,
            None
        );
    }

    fn regions(c: &mut PublicStreamConfig) -> &mut Vec<PublicStreamRegion> {
        c.layout
            .as_mut()
            .and_then(|l| l.regions.as_mut())
            .expect("regions")
    }

    #[test]
    fn updates_replace_only_what_they_give() {
        let mut low = region_of("low");
        low.zorder = Some(5);
        let high = PublicStreamRegion {
            zorder: Some(9),
            ..region_of("high")
        };
        let layout = Layout::from_config(&config(vec![high, low])).expect("valid");
        assert_eq!(layout.regions[0].source.user_id, "low", "sorted by zorder");
        let update = PublicStreamConfig {
            video: None,
            layout: Some(PublicStreamLayout {
                background_color: Some("00ff00".into()),
                background_image: None,
                regions: None,
            }),
        };
        let next = layout.updated(&update).expect("valid");
        assert_eq!(next.background, [0, 255, 0]);
        assert_eq!(next.regions, layout.regions);
        assert_eq!(next.width, 320);
    }
}
