//! The brief, as a script author writes it with the crate: credentials,
//! project and region from the environment, one server's generated password
//! cleared.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::env::args().nth(1).ok_or("usage: clear SERVER_ID")?;
    hwcloud_ecs::Client::from_env()?.clear_password(&server)?;
    println!("cleared {server}");
    Ok(())
}
