//! Public-stream actions: StartPushPublicStream, UpdatePublicStreamParam and
//! StopPushPublicStream. The vendor's body (target streams, encoding, a custom layout in
//! output pixels and shares, or an even grid without one) becomes the client API's
//! `PublicStreamConfig`, and the server's public streams do the rest, as for a client.

use axum::http::StatusCode;
use chorus_proto::openapi::{Done, PublicTargetStream, PushPublicStream, StopPushPublicStream};
use chorus_proto::{
    ErrorCode, MAX_PUBLIC_STREAM_REGIONS, PublicStreamConfig, PublicStreamLayout,
    PublicStreamRegion, PublicStreamType, PublicStreamVideo, RtcError,
};

use super::caller::Caller;
use super::failure::{ActionResult, ApiFailure, result};
use super::input::{app, body};
use chorus_compositor::{DEFAULT_HEIGHT, DEFAULT_KBPS, DEFAULT_WIDTH};

/// A refusal of the public streams as an OpenAPI failure: bad parameters are
/// `InvalidParameter`, the rest keep the contract's code.
fn failure(e: RtcError) -> ApiFailure {
    let status = match e.code {
        ErrorCode::InvalidParams => return ApiFailure::invalid(e.message),
        ErrorCode::RepeatPush => StatusCode::CONFLICT,
        ErrorCode::StreamNotExist => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiFailure {
        status,
        code: e.code.as_str(),
        message: e.message,
    }
}

fn region_of(target: &PublicTargetStream) -> PublicStreamRegion {
    PublicStreamRegion {
        user_id: target.user_id.clone(),
        room_id: target.room_id.clone(),
        is_screen_stream: target.stream_type == 1,
        media_type: Some(match target.media_type {
            1 => PublicStreamType::AudioOnly,
            2 => PublicStreamType::VideoOnly,
            _ => PublicStreamType::AudioAndVideo,
        }),
        ..PublicStreamRegion::default()
    }
}

/// The vendor's body as the client API's parameters.
fn config_of(req: &PushPublicStream) -> Result<PublicStreamConfig, ApiFailure> {
    let targets = &req.target_streams;
    if targets.is_empty() || targets.len() > MAX_PUBLIC_STREAM_REGIONS {
        return Err(ApiFailure::invalid(format!(
            "TargetStreams must list 1 to {MAX_PUBLIC_STREAM_REGIONS} streams, not {}",
            targets.len()
        )));
    }
    for (i, t) in targets.iter().enumerate() {
        if t.stream_type > 1 || t.media_type > 2 {
            return Err(ApiFailure::invalid(format!(
                "TargetStreams[{i}]: StreamType must be 0 or 1 and MediaType 0, 1 or 2"
            )));
        }
    }
    let e = &req.encode;
    let width = e.video_width.unwrap_or(DEFAULT_WIDTH);
    let height = e.video_height.unwrap_or(DEFAULT_HEIGHT);
    let video = PublicStreamVideo {
        width: Some(width),
        height: Some(height),
        fps: e.video_fps,
        k_bit_rate: e.video_bitrate.unwrap_or(DEFAULT_KBPS),
    };
    let (background, regions) = match &req.layout.custom_layout {
        Some(custom) => {
            let mut regions = Vec::with_capacity(custom.regions.len());
            for (i, r) in custom.regions.iter().enumerate() {
                let target = targets
                    .iter()
                    .find(|t| t.index == r.stream_index)
                    .ok_or_else(|| {
                        ApiFailure::invalid(format!(
                            "Regions[{i}].StreamIndex {} names no TargetStreams entry's Index",
                            r.stream_index
                        ))
                    })?;
                regions.push(PublicStreamRegion {
                    x: Some(f64::from(r.location_x) / f64::from(width.max(1))),
                    y: Some(f64::from(r.location_y) / f64::from(height.max(1))),
                    w: Some(r.width_proportion),
                    h: Some(r.height_proportion),
                    zorder: Some(r.z_order),
                    alpha: r.alpha,
                    render_mode: r.render_mode,
                    ..region_of(target)
                });
            }
            (custom.canvas.background.clone(), regions)
        }
        None => (None, grid(targets)),
    };
    Ok(PublicStreamConfig {
        video: Some(video),
        layout: Some(PublicStreamLayout {
            background_color: background,
            background_image: None,
            regions: Some(regions),
        }),
    })
}

/// An even grid: n streams in ceil(sqrt(n)) columns, in the order given.
fn grid(targets: &[PublicTargetStream]) -> Vec<PublicStreamRegion> {
    let n = targets.len().max(1);
    let cols = (1..=n).find(|c| c * c >= n).unwrap_or(n);
    let rows = n.div_ceil(cols);
    let (w, h) = (1.0 / cols as f64, 1.0 / rows as f64);
    targets
        .iter()
        .enumerate()
        .map(|(i, t)| PublicStreamRegion {
            x: Some((i % cols) as f64 * w),
            y: Some((i / cols) as f64 * h),
            w: Some(w),
            h: Some(h),
            ..region_of(t)
        })
        .collect()
}

/// StartPushPublicStream (`update` false) and UpdatePublicStreamParam (`update` true, which
/// replaces every parameter).
pub(super) async fn push(ctx: &Caller<'_>, bytes: &[u8], update: bool) -> ActionResult {
    let req: PushPublicStream = body(bytes)?;
    app(ctx, &req.app_id)?;
    let config = config_of(&req)?;
    let streams = &ctx.public_streams;
    if update {
        streams.replace(&req.app_id, &req.public_stream_id, &config)
    } else {
        streams.start(&req.app_id, &req.public_stream_id, &config)
    }
    .map_err(failure)?;
    result(Done::success())
}

/// StopPushPublicStream.
pub(super) async fn stop(ctx: &Caller<'_>, bytes: &[u8]) -> ActionResult {
    let req: StopPushPublicStream = body(bytes)?;
    app(ctx, &req.app_id)?;
    ctx.public_streams
        .stop(&req.app_id, &req.public_stream_id)
        .map_err(failure)?;
    result(Done::success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(user: &str, index: u32) -> PublicTargetStream {
        PublicTargetStream {
            user_id: user.into(),
            room_id: "r".into(),
            index,
            ..PublicTargetStream::default()
        }
    }

    #[test]
    fn without_a_custom_layout_targets_form_an_even_grid() {
        let targets: Vec<_> = (0..5).map(|i| target(&format!("u{i}"), i)).collect();
        let regions = grid(&targets);
        // Five streams: three columns, two rows.
        assert_eq!(regions[4].x, Some(1.0 / 3.0));
        assert_eq!(regions[4].y, Some(0.5));
        assert_eq!(regions[0].w, Some(1.0 / 3.0));
        assert_eq!(regions[0].h, Some(0.5));
    }

    #[test]
    fn a_region_must_name_a_target_index() {
        let req = PushPublicStream {
            app_id: "a".into(),
            public_stream_id: "s".into(),
            target_streams: vec![target("u", 7)],
            layout: chorus_proto::openapi::PublicLayout {
                custom_layout: Some(chorus_proto::openapi::PublicCustomLayout {
                    regions: vec![chorus_proto::openapi::PublicRegion {
                        stream_index: 3,
                        width_proportion: 1.0,
                        height_proportion: 1.0,
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
            ..PushPublicStream::default()
        };
        let err = config_of(&req).expect_err("index 3 is not a target");
        assert!(
            err.message.contains("Regions[0].StreamIndex"),
            "{}",
            err.message
        );
    }
}
