//! The region table against the official SDK's own list
//! (`tests/data/ecs-regions.json`, from huaweicloudsdkecs): the same regions,
//! each with the same endpoint.

use std::collections::BTreeSet;

use hwcloud_ecs::{Endpoint, REGIONS};

#[test]
fn every_official_region_and_only_those_map_to_the_official_endpoint() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../data/ecs-regions.json")).unwrap();
    let official = doc["regions"].as_array().unwrap();
    assert_eq!(official.len(), 33);
    for region in official {
        let id = region["id"].as_str().unwrap();
        let endpoint = Endpoint::for_region(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(endpoint.url(), region["endpoint"].as_str().unwrap(), "{id}");
    }
    let ours: BTreeSet<&str> = REGIONS.iter().copied().collect();
    let theirs: BTreeSet<&str> = official.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ours, theirs);
}
