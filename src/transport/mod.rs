//! The only module that touches ureq: connection pools for the ECS and IAM
//! endpoints and for the ECS metadata service, one signed attempt with its
//! bounded read, and the mapping of ureq's errors to ours.
//!
//! Everything above it (configuration, client) speaks in [`Agent`],
//! [`Prepared`] and the crate's [`Error`]; no ureq type leaves this module.

mod env_proxy;
mod exchange;
mod options;
#[cfg(feature = "discovery")]
mod plain;
mod response;
#[cfg(feature = "custom-ca")]
mod roots;
#[cfg(feature = "explain")]
mod shown;

use std::time::Duration;

pub(crate) use exchange::{exchange, Failure, Limits, Prepared, MAX_SUCCESS_BODY};
pub(crate) use options::{ProxySetting, TransportOptions};
#[cfg(feature = "discovery")]
pub(crate) use plain::{plain_call, PlainFailure};
pub use response::ApiResponse;
#[cfg(feature = "explain")]
pub(crate) use shown::ProxyShown;

use crate::error::Error;

const USER_AGENT: &str = concat!("hwcloud-ecs/", env!("CARGO_PKG_VERSION"));

/// A pool of keep-alive connections with its timeouts, proxy and TLS
/// settings. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub(crate) struct Agent {
    agent: ureq::Agent,
    /// The proxy requests go through, to name it in transport errors.
    proxy: Option<ureq::Proxy>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("proxied", &self.proxy.is_some())
            .finish()
    }
}

/// The TLS settings of an API agent, checked (a custom CA parsed) once per
/// build and handed to the agent as they are.
#[derive(Clone, Debug)]
pub(crate) struct Tls(ureq::tls::TlsConfig);

/// The timeouts and pool size of an API agent.
pub(crate) struct ApiTimeouts {
    pub connect: Duration,
    /// Each read and write, and the wait for the response head.
    pub attempt: Duration,
    pub idle_connections: usize,
}

impl Agent {
    /// The agent for the ECS and IAM APIs: `options`' proxy and TLS roots,
    /// fixed per-phase timeouts, no redirects, statuses as answers.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a proxy or root certificates that cannot
    /// be used.
    pub(crate) fn api(
        options: &TransportOptions,
        timeouts: &ApiTimeouts,
        tls: Tls,
    ) -> Result<Agent, Error> {
        let proxy = options.proxy()?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(USER_AGENT)
            .accept("application/json")
            .max_idle_connections(timeouts.idle_connections.max(1).saturating_mul(2))
            .max_idle_connections_per_host(timeouts.idle_connections)
            // Fixed per-phase timeouts, not a per-call deadline on every
            // request: that one is set only when the call's deadline is
            // nearer than them (see `exchange::run`), because a per-request
            // configuration costs about 4 % of a loopback round trip (an A/B
            // of `benches/round_trip.rs`, medians 1.097 against 1.051).
            .timeout_connect(Some(timeouts.connect))
            .timeout_per_write(Some(timeouts.attempt))
            .timeout_per_read(Some(timeouts.attempt))
            .timeout_recv_response(Some(timeouts.attempt))
            // The body as a whole, not only each read of it.
            .timeout_recv_body(Some(timeouts.attempt))
            // ureq's own resolver, bounded by the connect timeout.
            .timeout_resolve(Some(timeouts.connect))
            .proxy(proxy.clone())
            .tls_config(tls.0)
            .build();
        Ok(Agent {
            agent: ureq::Agent::new_with_config(config),
            proxy,
        })
    }

    #[cfg(feature = "discovery")]
    /// The agent for the ECS metadata service: never through a proxy (a
    /// proxy would ask its own network's metadata, or nobody's), short
    /// timeouts (off ECS the address does not answer).
    pub(crate) fn metadata(connect: Duration, answer: Duration) -> Agent {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(answer))
            .timeout_per_read(Some(answer))
            .timeout_per_write(Some(answer))
            .build();
        Agent {
            agent: ureq::Agent::new_with_config(config),
            proxy: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_says_whether_the_agent_goes_through_a_proxy_and_nothing_more() {
        #[cfg(feature = "discovery")]
        assert_eq!(
            format!(
                "{:?}",
                Agent::metadata(Duration::from_secs(1), Duration::from_secs(1))
            ),
            "Agent { proxied: false }"
        );
        let options = TransportOptions {
            proxy: options::ProxySetting::Url("http://user:secret@127.0.0.1:3128".into()),
            ..TransportOptions::default()
        };
        let timeouts = ApiTimeouts {
            connect: Duration::from_secs(1),
            attempt: Duration::from_secs(1),
            idle_connections: 1,
        };
        let agent = Agent::api(&options, &timeouts, options.tls().unwrap()).unwrap();
        assert_eq!(format!("{agent:?}"), "Agent { proxied: true }");
    }
}
