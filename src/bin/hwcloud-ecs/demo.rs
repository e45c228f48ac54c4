//! The `demo` command: the whole client against the bundled fake gateway.

use hwcloud_ecs::fake::{FakeGateway, RecordedRequest, Verdict};
use hwcloud_ecs::{Client, Credentials, Error};

use crate::gateway::{DEFAULT_PROJECT, DEFAULT_SERVER, FAKE_CIPHERTEXT};

// Demo credentials: fake, and shown nowhere in the output.
const DEMO_AK: &str = "AKDEMO00000000000000";
const DEMO_SK: &str = "SKdemoSecretKeyNeverPrinted000000000000";
const DEMO_TOKEN: &str = "DEMOsecurityTokenNeverPrinted";

pub fn run() -> Result<(), Error> {
    let credentials = Credentials::new(DEMO_AK, DEMO_SK)?.with_security_token(DEMO_TOKEN)?;
    let gateway = FakeGateway::builder(credentials.clone(), DEFAULT_PROJECT)
        .server(DEFAULT_SERVER, FAKE_CIPHERTEXT)
        .start()
        .map_err(|e| Error::Config(format!("cannot start the fake gateway: {e}")))?;
    println!("hwcloud-ecs demo: no account, no network.");
    println!(
        "A fake API gateway listens on {} and verifies every signature",
        gateway.endpoint()
    );
    println!(
        "as the real one does. Temporary credentials (AK {DEMO_AK}, SK and token redacted).\n"
    );

    let client = Client::builder()
        .credentials(credentials)
        .project_id(DEFAULT_PROJECT)
        .endpoint(gateway.endpoint())
        .build()?;

    step(&gateway, "1. read the stored encrypted password", || {
        let p = client.get_password(DEFAULT_SERVER)?;
        Ok(format!(
            "password: {}",
            p.ciphertext.as_deref().unwrap_or("(none stored)")
        ))
    })?;
    step(&gateway, "2. clear it", || {
        let c = client.clear_password(DEFAULT_SERVER)?;
        Ok(format!("cleared (HTTP {})", c.status))
    })?;
    step(&gateway, "3. read it again", || {
        let p = client.get_password(DEFAULT_SERVER)?;
        Ok(format!(
            "password: {}",
            p.ciphertext.as_deref().unwrap_or("(none stored)")
        ))
    })?;

    let wrong = Client::builder()
        .credentials(Credentials::new(DEMO_AK, "not-the-secret-key")?)
        .project_id(DEFAULT_PROJECT)
        .endpoint(gateway.endpoint())
        .build()?;
    println!("4. the same call signed with a wrong secret key");
    match wrong.clear_password(DEFAULT_SERVER) {
        Ok(_) => return Err(Error::Config("the gateway accepted a wrong key".into())),
        Err(e) => {
            print_last_request(&gateway);
            println!("   client error: {e}\n");
        }
    }
    let accepted = gateway
        .requests()
        .iter()
        .filter(|r| r.verdict == Verdict::Accepted)
        .count();
    println!(
        "{} requests sent, {accepted} accepted, over {} connection(s).",
        gateway.requests().len(),
        gateway.connections()
    );
    Ok(())
}

fn step(
    gateway: &FakeGateway,
    title: &str,
    call: impl FnOnce() -> Result<String, Error>,
) -> Result<(), Error> {
    println!("{title}");
    let outcome = call()?;
    print_last_request(gateway);
    println!("   result: {outcome}\n");
    Ok(())
}

fn print_last_request(gateway: &FakeGateway) {
    let Some(request) = gateway.requests().pop() else {
        return;
    };
    let RecordedRequest {
        method,
        target,
        headers,
        verdict,
        status,
        ..
    } = request;
    println!("   > {method} {target}");
    for (name, value) in headers {
        println!("   > {name}: {value}");
    }
    let verdict = match verdict {
        Verdict::Accepted => "signature accepted".to_owned(),
        Verdict::Rejected(why) => format!("signature refused: {why}"),
        _ => "answered by an injected fault".to_owned(),
    };
    println!("   gateway: {verdict}; answered {status}");
}
