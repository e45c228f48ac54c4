//! The `clear-password` and `show-password` commands.

use hwcloud_ecs::{Client, ClientBuilder, Error, ServerId};
use serde_json::json;

use crate::args::Target;
use crate::report::{failure_line, json_report, Outcome};

/// Builds the client from the environment, then the flags.
pub fn client(target: &Target) -> Result<Client, Error> {
    let mut builder = ClientBuilder::from_env()?.api(target.api);
    if let Some(project) = &target.project_id {
        builder = builder.project_id(project);
    }
    if let Some(region) = &target.region {
        builder = builder.region(region);
    }
    if let Some(endpoint) = &target.endpoint {
        builder = builder.endpoint(endpoint);
    }
    builder.build()
}

/// Runs one command over every server; returns whether all succeeded.
pub fn run(client: &Client, servers: &[ServerId], clear: bool, json_output: bool) -> bool {
    let outcomes: Vec<Outcome> = servers
        .iter()
        .map(|server| {
            let result = if clear {
                client
                    .clear_password(server.as_str())
                    .map(|c| json!({"status": c.status, "request_id": c.request_id}))
            } else {
                client
                    .get_password(server.as_str())
                    .map(|p| json!({"password": p.ciphertext, "request_id": p.request_id}))
            };
            if !json_output {
                print_line(server, &result, clear);
            }
            Outcome {
                server: server.clone(),
                result,
            }
        })
        .collect();
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    if json_output {
        let command = if clear {
            "clear-password"
        } else {
            "show-password"
        };
        println!("{}", json_report(command, &outcomes));
    } else if failed > 0 {
        eprintln!("{failed} of {} server(s) failed", outcomes.len());
    }
    failed == 0
}

fn print_line(server: &ServerId, result: &Result<serde_json::Value, Error>, clear: bool) {
    match result {
        Ok(fields) if clear => println!(
            "cleared   {server}  (HTTP {}, request id {})",
            fields["status"],
            fields["request_id"].as_str().unwrap_or("none")
        ),
        Ok(fields) => match fields["password"].as_str() {
            Some(ciphertext) => println!("{server}  {ciphertext}"),
            None => println!("{server}  (no password stored)"),
        },
        Err(e) => println!("{}", failure_line(server, e)),
    }
}
