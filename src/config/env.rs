//! Environment variables read by [`crate::ClientBuilder::from_env`].

/// Access key.
pub const AK: &str = "HUAWEICLOUD_SDK_AK";
/// Secret key.
pub const SK: &str = "HUAWEICLOUD_SDK_SK";
/// Security token of temporary credentials (optional).
pub const SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Project id.
pub const PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Region, e.g. `cn-north-4`.
pub const REGION: &str = "HUAWEICLOUD_SDK_REGION";
/// The credentials file, instead of `~/.huaweicloud/credentials`.
pub const CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// IAM's endpoint for the project lookup, instead of
/// `https://iam.{region}.myhuaweicloud.com`.
pub const IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// The regions file, instead of `~/.huaweicloud/regions.yaml`: the official
/// SDKs' YAML, whose `ECS` list gives the endpoint of a region the built-in
/// table does not know (a private cloud, a new region). Before it,
/// `HUAWEICLOUD_SDK_REGION_ECS_{REGION}` (upper case, `-` as `_`) names one
/// region's endpoint, e.g. `HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4`.
pub const REGIONS_FILE: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";
/// For tests only: a plain-http loopback address that stands in for the
/// ECS metadata service (`http://169.254.169.254`). Any other address is
/// refused, so it cannot send the credentials requests elsewhere.
#[doc(hidden)]
pub const METADATA_URL_FOR_TESTS: &str = "HWCLOUD_ECS_TEST_METADATA_URL";
