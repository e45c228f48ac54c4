//! The project id from IAM: the project named after the region, looked up
//! with a signed `GET /v3/projects?name={region}` and cached for the process.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::lock;
use crate::transport::ApiResponse;
use crate::transport::{Prepared, MAX_SUCCESS_BODY};

use super::regions::check_region;
use super::Origin;

/// What can send a signed call, retries included: the client's caller.
/// Configuration defines it and the client implements it, so that the IAM
/// step can sign like every call without configuration depending on the
/// client.
pub(crate) trait SignedSender {
    /// The access key calls are signed with now.
    fn access_key(&self) -> Result<String, Error>;
    /// Signs and sends `prepared`, as the client sends every call.
    fn send_signed(&self, prepared: &Prepared<'_>) -> Result<ApiResponse, Error>;
}

/// A project id and where it came from.
pub(crate) struct Found {
    pub project_id: String,
    pub origin: Origin,
}

/// Lookups that found exactly one project, keyed by IAM endpoint, access
/// key and region: the answer does not change while the process runs.
type Cache = Mutex<HashMap<(String, String, String), String>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// IAM's endpoint: the override (`HUAWEICLOUD_SDK_IAM_ENDPOINT`), else
/// `https://iam.{region}.myhuaweicloud.com`.
pub(crate) fn iam_endpoint(override_url: Option<&str>, region: &str) -> Result<Endpoint, Error> {
    match override_url {
        Some(url) => Endpoint::parse(url)
            .map_err(|e| Error::Config(format!("{}: {e}", super::env::IAM_ENDPOINT))),
        None => {
            check_region(region)?;
            Endpoint::parse(&format!("https://iam.{region}.myhuaweicloud.com"))
        }
    }
}

/// The id of the one project named `region`, from the cache or from IAM.
///
/// # Errors
/// [`Error::ProjectLookup`] when IAM lists no project or several; the
/// call's own error when IAM cannot be asked.
pub(crate) fn project_by_region(
    sender: &impl SignedSender,
    iam: &Endpoint,
    region: &str,
) -> Result<Found, Error> {
    check_region(region)?;
    let key = (
        iam.url().to_owned(),
        sender.access_key()?,
        region.to_owned(),
    );
    let url = format!("{}/v3/projects?name={region}", iam.url());
    if let Some(id) = lock(cache()).get(&key) {
        return Ok(Found {
            project_id: id.clone(),
            origin: Origin::Iam(format!("{url} (cached)")),
        });
    }
    let response = sender.send_signed(&Prepared {
        method: "GET",
        endpoint: iam,
        target: format!("/v3/projects?name={region}"),
        headers: &[("Content-Type", "application/json")],
        body: &[],
        success_limit: MAX_SUCCESS_BODY,
    })?;
    let value = response.json()?;
    let found: Vec<String> = value
        .get("projects")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| response.invalid("the IAM answer has no projects list"))?
        .iter()
        .filter_map(|p| p.get("id").and_then(serde_json::Value::as_str))
        .map(str::to_owned)
        .collect();
    match found.as_slice() {
        [one] => {
            lock(cache()).insert(key, one.clone());
            log::debug!("IAM names project {one} for region {region}");
            Ok(Found {
                project_id: one.clone(),
                origin: Origin::Iam(url),
            })
        }
        _ => Err(Error::ProjectLookup {
            region: region.to_owned(),
            found,
            request_id: response.request_id,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_lowercase_letters_digits_and_dashes_of_at_most_64() {
        for fine in ["cn-north-4", "ap-southeast-1", "a", &"a".repeat(64)] {
            assert!(check_region(fine).is_ok(), "{fine}");
        }
        for bad in [
            "",
            "CN-north-4",
            "cn_north_4",
            "cn.north",
            "cn north",
            "é",
            &"a".repeat(65),
        ] {
            let err = check_region(bad).unwrap_err();
            assert!(
                err.to_string().contains("only lowercase letters"),
                "{bad}: {err}"
            );
        }
    }
}
