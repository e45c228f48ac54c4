//! The `fake-gateway` command: serve until killed.

use hwcloud_ecs::{env, Credentials, Error};
use hwcloud_ecs_fake::FakeGateway;

use crate::args::{Limiter, RateLimit};

/// The project served when none is configured.
pub const DEFAULT_PROJECT: &str = "0123456789abcdef0123456789abcdef";
/// The server known when none is listed.
pub const DEFAULT_SERVER: &str = "8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00";
/// The stored "ciphertext" of every fake server (base64 of a placeholder).
pub const FAKE_CIPHERTEXT: &str = "RkFLRS1FTkNSWVBURUQtUEFTU1dPUkQ=";

pub fn run(
    listen: &str,
    servers: &[String],
    project_id: Option<String>,
    rate_limit: Option<RateLimit>,
) -> Result<(), Error> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let (Some(ak), Some(sk)) = (var(env::AK), var(env::SK)) else {
        return Err(Error::Config(format!(
            "set {} and {} to the credentials the gateway should accept",
            env::AK,
            env::SK
        )));
    };
    let mut credentials = Credentials::new(ak, sk)?;
    if let Some(token) = var(env::SECURITY_TOKEN) {
        credentials = credentials.with_security_token(token)?;
    }
    let project = project_id
        .or_else(|| var(env::PROJECT_ID))
        .unwrap_or_else(|| DEFAULT_PROJECT.to_owned());
    let mut builder = FakeGateway::builder(credentials, project);
    if servers.is_empty() {
        builder = builder.server(DEFAULT_SERVER, FAKE_CIPHERTEXT);
    }
    for id in servers {
        builder = builder.server(id, FAKE_CIPHERTEXT);
    }
    if let Some(RateLimit {
        count,
        per,
        limiter,
    }) = rate_limit
    {
        builder = match limiter {
            Limiter::Window => builder.rate_limit_window(count, per),
            Limiter::Bucket => builder.rate_limit_bucket(count, per),
            Limiter::Unnamed => {
                builder.rate_limit_unnamed(f64::from(count) / per.as_secs_f64(), count)
            }
        };
    }
    let gateway = builder
        .start_on(listen)
        .map_err(|e| Error::Config(format!("cannot listen on {listen}: {e}")))?;
    crate::out::line(gateway.endpoint());
    loop {
        std::thread::park();
    }
}
