//! The script a user writes with the crate: clear one server's generated
//! password, credentials and project from the environment.

use hwcloud_ecs::{Client, Credentials};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::env::args().nth(1).ok_or("usage: clear SERVER_ID")?;
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let client = Client::builder()
        .credentials(Credentials::new(
            var("HUAWEICLOUD_SDK_AK")?,
            var("HUAWEICLOUD_SDK_SK")?,
        )?)
        .project_id(var("HUAWEICLOUD_SDK_PROJECT_ID")?)
        .region("cn-north-4")
        .build()?;
    let cleared = client.clear_password(&server)?;
    println!("cleared {server}: {}", cleared.status);
    Ok(())
}
