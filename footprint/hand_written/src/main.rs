//! The same script written by hand on ureq, ring, serde_json and httpdate:
//! the floor the crate's footprint is measured against. It signs the one
//! request it sends (SDK-HMAC-SHA256), sends it, and reads a refusal's
//! JSON and the gateway's `Date`.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::{digest, hmac};

const HOST: &str = "ecs.cn-north-4.myhuaweicloud.com";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// `YYYYMMDDTHHMMSSZ` from the seconds since 1970 (civil from days).
fn sdk_date(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::env::args().nth(1).ok_or("usage: clear SERVER_ID")?;
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let (ak, sk, project) = (
        var("HUAWEICLOUD_SDK_AK")?,
        var("HUAWEICLOUD_SDK_SK")?,
        var("HUAWEICLOUD_SDK_PROJECT_ID")?,
    );
    let path = format!("/v2.1/{project}/servers/{server}/os-server-password");
    let date = sdk_date(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs());
    let signed = "content-type;host;x-project-id;x-sdk-date";
    let canonical = format!(
        "DELETE\n{path}/\n\ncontent-type:application/json\nhost:{HOST}\nx-project-id:{project}\nx-sdk-date:{date}\n\n{signed}\n{}",
        hex(digest::digest(&digest::SHA256, b"").as_ref())
    );
    let to_sign = format!(
        "SDK-HMAC-SHA256\n{date}\n{}",
        hex(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, sk.as_bytes());
    let signature = hex(hmac::sign(&key, to_sign.as_bytes()).as_ref());
    let authorization =
        format!("SDK-HMAC-SHA256 Access={ak}, SignedHeaders={signed}, Signature={signature}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent
        .delete(format!("https://{HOST}{path}"))
        .header("Content-Type", "application/json")
        .header("X-Project-Id", &project)
        .header("X-Sdk-Date", &date)
        .header("Authorization", &authorization)
        .call()?;
    let status = answer.status();
    if status.is_success() {
        println!("cleared {server}: {}", status.as_u16());
        return Ok(());
    }
    let at = answer
        .headers()
        .get("Date")
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok());
    let body: serde_json::Value = serde_json::from_str(&answer.body_mut().read_to_string()?)?;
    Err(format!(
        "{status}: {} {} (at {at:?})",
        body["error_code"], body["error_msg"]
    )
    .into())
}
