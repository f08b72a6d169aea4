//! A server's Prometheus text read the way tests want it: one value by name.

/// The value of the metric `name` (one without labels) that the server at `base`
/// (`http://ADDR` or `https://ADDR`) lists at `/metrics`; None when it does not answer or
/// does not list it.
pub async fn metric(base: &str, name: &str) -> Option<f64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}
