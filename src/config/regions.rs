//! A region's ECS endpoint, the official SDKs' way: the environment
//! variable `HUAWEICLOUD_SDK_REGION_ECS_{REGION}`, then the regions file,
//! then the table of the ECS regions of the official SDK, each served at
//! `https://ecs.{region}.myhuaweicloud.com`.

use crate::endpoint::Endpoint;
use crate::error::Error;

#[cfg(feature = "regions-file")]
use super::regions_file;
use super::{Lookup, Origin};

/// The variable that names `region`'s ECS endpoint, as the official SDKs
/// spell it: `HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4`.
pub(crate) fn endpoint_variable(region: &str) -> String {
    format!(
        "HUAWEICLOUD_SDK_REGION_ECS_{}",
        region.to_ascii_uppercase().replace('-', "_")
    )
}

/// `region`'s ECS endpoint and where it came from. With a `lookup` (a
/// builder from the environment): the variable of [`endpoint_variable`]
/// (a comma-separated list, of which the first is used), then the regions
/// file, then the table; without one, the table alone.
///
/// # Errors
/// [`Error::InvalidInput`] for a region that none of them knows, or a
/// malformed region name; [`Error::Config`] for an endpoint in the
/// environment or the file that does not parse, a regions file that cannot
/// be read or parsed (the file and line are named), or a regions file named
/// by `HUAWEICLOUD_SDK_REGIONS_FILE` that does not exist.
pub(crate) fn ecs_endpoint(
    region: &str,
    lookup: Option<&Lookup>,
) -> Result<(Endpoint, Origin), Error> {
    check_region(region)?;
    if let Some(lookup) = lookup {
        let variable = endpoint_variable(region);
        if let Some(list) = lookup.get(&variable) {
            let first = list
                .split(',')
                .map(str::trim)
                .find(|u| !u.is_empty())
                .unwrap_or("");
            let endpoint =
                Endpoint::parse(first).map_err(|e| Error::Config(format!("{variable}: {e}")))?;
            return Ok((endpoint, Origin::Environment(variable)));
        }
        #[cfg(feature = "regions-file")]
        if let Some(found) = regions_file::ecs_endpoint(region, lookup)? {
            return Ok(found);
        }
        #[cfg(not(feature = "regions-file"))]
        if lookup.get(super::env::REGIONS_FILE).is_some() {
            return Err(Error::Config(format!(
                "{} is set, but this build reads no regions file: enable the regions-file feature, or name the endpoint with {variable}",
                super::env::REGIONS_FILE
            )));
        }
    }
    Ok((Endpoint::for_region(region)?, Origin::Derived("region")))
}

/// The ECS regions of the official SDK, all served at
/// `https://ecs.{region}.myhuaweicloud.com`.
pub const REGIONS: [&str; 33] = [
    "af-north-1",
    "af-south-1",
    "ae-ad-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "cn-east-2",
    "cn-east-3",
    "cn-east-4",
    "cn-east-5",
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-north-11",
    "cn-north-12",
    "cn-south-1",
    "cn-south-2",
    "cn-south-4",
    "cn-southwest-2",
    "cn-southwest-3",
    "eu-west-0",
    "eu-west-101",
    "la-north-2",
    "la-south-2",
    "me-east-1",
    "my-kualalumpur-1",
    "na-mexico-1",
    "ru-moscow-1",
    "sa-brazil-1",
    "tr-west-1",
];

impl Endpoint {
    /// The public ECS endpoint of `region`: `https://ecs.{region}.myhuaweicloud.com`,
    /// for the regions in [`REGIONS`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a region not in the table; the message
    /// suggests the closest known names and points private clouds (Huawei
    /// Cloud Stack, partner clouds) to an explicit endpoint.
    pub fn for_region(region: &str) -> Result<Self, Error> {
        if !REGIONS.contains(&region) {
            let close = closest_regions(region);
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!("did you mean {}? ", close.join(", "))
            };
            return Err(Error::invalid(
                "region",
                format!("{region:?} is not a public ECS region; {hint}for a private cloud or a newer region give the endpoint (ClientBuilder::endpoint), or name it in HUAWEICLOUD_SDK_REGION_ECS_{} or the regions file", region.to_ascii_uppercase().replace('-', "_")),
            ));
        }
        Endpoint::parse(&format!("https://ecs.{region}.myhuaweicloud.com"))
    }
}

/// Up to three known regions within edit distance 3 of `name`, closest first.
fn closest_regions(name: &str) -> Vec<&'static str> {
    let name = name.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = REGIONS
        .iter()
        .map(|r| (edit_distance(&name, r), *r))
        .filter(|(d, _)| *d <= 3)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, r)| r).collect()
}

/// Levenshtein distance over bytes (region names are ASCII).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A region goes into a host name and a query: only `a-z 0-9 -`.
pub(crate) fn check_region(region: &str) -> Result<(), Error> {
    let fine = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if fine {
        Ok(())
    } else {
        Err(Error::invalid(
            "region",
            format!("{region:?}: only lowercase letters, digits and '-' are allowed"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The home directory's variable on the platform the tests run on.
    const HOME: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

    fn lookup(pairs: &[(&str, &str)]) -> Lookup {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Lookup(Arc::new(move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }))
    }

    #[test]
    #[cfg(not(feature = "regions-file"))]
    fn without_the_feature_a_named_regions_file_is_refused_and_the_default_one_not_read() {
        let dir =
            std::env::temp_dir().join(format!("hwcloud-ecs-no-regions-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".huaweicloud")).unwrap();
        std::fs::write(
            dir.join(".huaweicloud").join("regions.yaml"),
            "ECS:\n  - id: cn-north-4\n    endpoint: https://ecs.file.example\n",
        )
        .unwrap();
        let home = lookup(&[(HOME, dir.to_str().unwrap())]);
        let (endpoint, origin) = ecs_endpoint("cn-north-4", Some(&home)).unwrap();
        assert_eq!(endpoint.url(), "https://ecs.cn-north-4.myhuaweicloud.com");
        assert_eq!(origin, Origin::Derived("region"));
        let named = lookup(&[("HUAWEICLOUD_SDK_REGIONS_FILE", "/etc/regions.yaml")]);
        let err = ecs_endpoint("cn-north-4", Some(&named))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("regions-file feature")
                && err.contains("HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    #[cfg(feature = "regions-file")]
    fn the_environment_then_the_regions_file_then_the_table() {
        let dir = std::env::temp_dir().join(format!("hwcloud-ecs-regions-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".huaweicloud")).unwrap();
        let file = dir.join(".huaweicloud").join("regions.yaml");
        std::fs::write(
            &file,
            "ECS:\n  - id: my-private-1\n    endpoint: https://ecs.private.example\n  - id: cn-north-4\n    endpoint: https://ecs.file.example\n",
        )
        .unwrap();
        let home = dir.to_str().unwrap();
        let both = lookup(&[
            (HOME, home),
            (
                "HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4",
                " https://ecs.env.example , https://backup.example",
            ),
        ]);
        let (endpoint, origin) = ecs_endpoint("cn-north-4", Some(&both)).unwrap();
        assert_eq!(endpoint.url(), "https://ecs.env.example");
        assert_eq!(
            origin,
            Origin::Environment("HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4".into())
        );
        let file_only = lookup(&[(HOME, home)]);
        let (endpoint, origin) = ecs_endpoint("cn-north-4", Some(&file_only)).unwrap();
        assert_eq!(endpoint.url(), "https://ecs.file.example");
        assert_eq!(origin, Origin::RegionsFile(file.clone()));
        let (endpoint, _) = ecs_endpoint("my-private-1", Some(&file_only)).unwrap();
        assert_eq!(endpoint.url(), "https://ecs.private.example");
        let (endpoint, origin) = ecs_endpoint("cn-east-3", Some(&file_only)).unwrap();
        assert_eq!(endpoint.url(), "https://ecs.cn-east-3.myhuaweicloud.com");
        assert_eq!(origin, Origin::Derived("region"));
        // Without a lookup, the table alone.
        assert_eq!(
            ecs_endpoint("cn-north-4", None).unwrap().0.url(),
            "https://ecs.cn-north-4.myhuaweicloud.com"
        );
        assert!(ecs_endpoint("my-private-1", None).is_err());
        // A missing default file is no error; a missing named one is.
        let nowhere = lookup(&[(HOME, "/nonexistent-home")]);
        assert!(ecs_endpoint("cn-north-4", Some(&nowhere)).is_ok());
        let named = lookup(&[("HUAWEICLOUD_SDK_REGIONS_FILE", "/nonexistent/regions.yaml")]);
        let err = ecs_endpoint("cn-north-4", Some(&named))
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
        // A broken file names itself and the line; a bad URL names its source.
        std::fs::write(&file, "ECS:\n  - id: x\n\tendpoint: y\n").unwrap();
        let err = ecs_endpoint("cn-north-4", Some(&file_only))
            .unwrap_err()
            .to_string();
        assert!(err.contains("regions.yaml, line 3"), "{err}");
        let bad = lookup(&[("HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4", "ftp://x")]);
        let err = ecs_endpoint("cn-north-4", Some(&bad))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("configuration error: HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_known_region_maps_to_its_endpoint() {
        assert_eq!(REGIONS.len(), 33);
        for region in REGIONS {
            assert_eq!(
                Endpoint::for_region(region).unwrap().url(),
                format!("https://ecs.{region}.myhuaweicloud.com")
            );
        }
    }

    #[test]
    fn unknown_regions_get_suggestions_and_the_endpoint_hint() {
        let err = Endpoint::for_region("cn-nort-4").unwrap_err().to_string();
        assert!(err.contains("did you mean cn-north-4"), "{err}");
        assert!(err.contains("ClientBuilder::endpoint"), "{err}");
        let err = Endpoint::for_region("ap-southeast-9")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ap-southeast-1"), "{err}");
        let err = Endpoint::for_region("my-private-cloud-region")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("did you mean"), "{err}");
        for bad in ["", "CN-NORTH-4x", "cn/../x"] {
            assert!(Endpoint::for_region(bad).is_err(), "{bad:?}");
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        for (a, b, distance) in [
            ("", "abc", 3),
            ("abc", "", 3),
            ("abc", "abc", 0),
            ("cn-nort-4", "cn-north-4", 1),
            ("ab", "ba", 2),
            ("flaw", "lawn", 2),
        ] {
            assert_eq!(edit_distance(a, b), distance, "{a} {b}");
        }
        let shown = format!("{:?}", lookup(&[("HUAWEICLOUD_SDK_SK", "secret")]));
        assert_eq!(shown, "Lookup(..)");
    }
}
