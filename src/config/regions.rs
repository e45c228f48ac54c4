//! The region table: the ECS regions of the official SDK, each served at
//! `https://ecs.{region}.myhuaweicloud.com`.

use crate::endpoint::Endpoint;
use crate::error::Error;

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
                format!("{region:?} is not a public ECS region; {hint}for a private cloud give the endpoint instead (--endpoint https://...)"),
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
fn edit_distance(a: &str, b: &str) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(err.contains("--endpoint"), "{err}");
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
    }
}
