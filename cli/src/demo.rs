//! The `demo` command: the whole client against the bundled fake gateway.

use hwcloud_ecs::{Client, Credentials, Error};
use hwcloud_ecs_fake::{FakeGateway, RecordedRequest, Verdict};

use crate::gateway::{DEFAULT_PROJECT, DEFAULT_SERVER, FAKE_CIPHERTEXT};
use crate::out;

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
    out::line("hwcloud-ecs demo: no account, no network.");
    out::line(format_args!(
        "A fake API gateway listens on {} and verifies every signature",
        gateway.endpoint()
    ));
    out::line(format_args!(
        "as the real one does. Temporary credentials (AK {DEMO_AK}, SK and token redacted)."
    ));
    out::line("");

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
        // Only the secret key differs: the refusal is the signature's.
        .credentials(
            Credentials::new(DEMO_AK, "not-the-secret-key")?.with_security_token(DEMO_TOKEN)?,
        )
        .project_id(DEFAULT_PROJECT)
        .endpoint(gateway.endpoint())
        .build()?;
    out::line("4. the same call signed with a wrong secret key");
    match wrong.clear_password(DEFAULT_SERVER) {
        Ok(_) => return Err(Error::Config("the gateway accepted a wrong key".into())),
        Err(e) => {
            print_last_request(&gateway);
            out::line(format_args!("   client error: {e}"));
            if let Some(diagnosis) = e.api().and_then(|a| a.diagnosis.as_deref()) {
                out::line(format_args!("   diagnosis: {diagnosis}"));
            }
            out::line("");
        }
    }
    let accepted = gateway
        .requests()
        .iter()
        .filter(|r| r.verdict == Verdict::Accepted)
        .count();
    out::line(format_args!(
        "{} requests sent, {accepted} accepted, over {} connection(s).",
        gateway.requests().len(),
        gateway.connections()
    ));
    Ok(())
}

fn step(
    gateway: &FakeGateway,
    title: &str,
    call: impl FnOnce() -> Result<String, Error>,
) -> Result<(), Error> {
    out::line(title);
    let outcome = call()?;
    print_last_request(gateway);
    out::line(format_args!("   result: {outcome}"));
    out::line("");
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
    out::line(format_args!("   > {method} {target}"));
    for (name, value) in headers {
        out::line(format_args!("   > {name}: {value}"));
    }
    let verdict = match verdict {
        Verdict::Accepted => "signature accepted".to_owned(),
        Verdict::Rejected(why) => format!("signature refused: {why}"),
        _ => "answered by an injected fault".to_owned(),
    };
    out::line(format_args!("   gateway: {verdict}; answered {status}"));
}
