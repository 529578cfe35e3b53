//! A Spring app: the exported `CorsConfig` compiled as written against
//! Debian's Spring Framework 4.3 (`libspring-web-java`; Maven Central is
//! out of reach here), with a stand-in for Spring Boot's
//! `FilterRegistrationBean`, its `CorsFilter` first on Jetty 9.4.

use std::path::Path;
use std::process::Command;

use super::process::{free_port, run, zoo_dir, Server, TempDir};

const HINT: &str = "The zoo's Spring app needs `apt-get install openjdk-17-jdk-headless \
    libspring-web-java libspring-context-java libjetty9-java` (.ci/run installs them).";

/// The jars of `/usr/share/java` the app compiles and runs with (Debian
/// names Spring 4.3's jars `spring3-*`).
const JARS: [&str; 12] = [
    "spring3-web.jar",
    "spring3-core.jar",
    "spring3-context.jar",
    "spring3-beans.jar",
    "commons-logging.jar",
    "servlet-api.jar",
    "jetty9-server.jar",
    "jetty9-servlet.jar",
    "jetty9-security.jar",
    "jetty9-http.jar",
    "jetty9-io.jar",
    "jetty9-util.jar",
];

/// The class path of [`JARS`]; panics with the hint when one is missing.
fn class_path() -> String {
    let jars: Vec<String> = JARS
        .iter()
        .map(|jar| {
            let path = Path::new("/usr/share/java").join(jar);
            assert!(path.is_file(), "{} is missing. {HINT}", path.display());
            path.display().to_string()
        })
        .collect();
    jars.join(":")
}

/// Compiles `config` (an exported `CorsConfig.java`) with the zoo's app and
/// starts it.
pub fn start(name: &str, config: &str) -> Server {
    let dir = TempDir::new(&format!("spring-{name}"));
    // javac needs the file named for its public class, not a directory
    // for its package.
    let config_file = dir.write("CorsConfig.java", config);
    let zoo = zoo_dir().join("spring");
    let classes = dir.path().join("classes");
    let cp = class_path();
    run(
        &format!("javac ({name})"),
        Command::new("javac")
            .args(["-encoding", "UTF-8", "-Xlint:-options", "-d"])
            .arg(&classes)
            .args(["-cp", &cp])
            .arg(&config_file)
            .arg(zoo.join("FilterRegistrationBean.java"))
            .arg(zoo.join("ZooApp.java")),
        HINT,
    );
    let port = free_port();
    let mut command = Command::new("java");
    command
        .args(["-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp"])
        .arg(format!("{}:{cp}", classes.display()))
        .arg("zoo.ZooApp")
        .arg(port.to_string());
    Server::start(&format!("spring ({name})"), command, dir, &[port], HINT)
}
