//! Proxies and logging from the environment, as curl reads them. One test in
//! its own process, since it changes environment variables.

mod mock;
mod support;

use psjob::client::{Client, Config};
use support::ConnectProxy;

fn config(server: &mock::MockServer) -> Config {
    support::mock_config(&server.base_url())
}

#[test]
fn environment_proxies_and_no_proxy() {
    let server = mock::MockServer::start();
    let proxy = ConnectProxy::start();
    let vars = [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ];
    for v in vars {
        std::env::remove_var(v);
    }

    // No variables: direct.
    Client::new(&config(&server))
        .unwrap()
        .get_status("quick-env0")
        .unwrap();
    assert!(proxy.seen().is_empty());

    // HTTP_PROXY for an http URL.
    std::env::set_var("HTTP_PROXY", proxy.url());
    Client::new(&config(&server))
        .unwrap()
        .get_status("quick-env1")
        .unwrap();
    assert_eq!(proxy.seen().len(), 1);

    // HTTPS_PROXY alone is not used for http URLs.
    std::env::remove_var("HTTP_PROXY");
    std::env::set_var("HTTPS_PROXY", "http://127.0.0.1:9");
    Client::new(&config(&server))
        .unwrap()
        .get_status("quick-env2")
        .unwrap();
    assert_eq!(proxy.seen().len(), 1);

    // ALL_PROXY is the fallback.
    std::env::set_var("ALL_PROXY", proxy.url());
    Client::new(&config(&server))
        .unwrap()
        .get_status("quick-env3")
        .unwrap();
    assert_eq!(proxy.seen().len(), 2);

    // NO_PROXY lists hosts reached directly.
    std::env::set_var("NO_PROXY", "example.com,127.0.0.1");
    Client::new(&config(&server))
        .unwrap()
        .get_status("quick-env4")
        .unwrap();
    assert_eq!(proxy.seen().len(), 2);

    // An explicit "no proxy" beats the environment.
    std::env::remove_var("NO_PROXY");
    let mut c = config(&server);
    c.set_proxy(Some("")).unwrap();
    Client::new(&c).unwrap().get_status("quick-env5").unwrap();
    assert_eq!(proxy.seen().len(), 2);
    for v in vars {
        std::env::remove_var(v);
    }
}
