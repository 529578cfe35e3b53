//! A Rails app (Debian's `ruby-railties`, `ruby-actionpack` and
//! `ruby-rack-cors`; RubyGems is out of reach here) in one `config.ru`,
//! with an initializer pasted before `initialize!` as
//! `config/initializers/*.rb` would run, served by WEBrick.

use std::process::Command;

use super::process::{free_port, Server, TempDir};

const HINT: &str = "The zoo's Rails app needs `apt-get install ruby-railties \
    ruby-actionpack ruby-rack-cors ruby-webrick` (.ci/run installs them).";

/// The app: every path under /api answers JSON with `X-Total-Count`.
const APP: &str = r#"require "rails"
require "action_controller/railtie"
require "rack/cors"

class ZooApp < Rails::Application
  config.eager_load = false
  config.secret_key_base = "zoo-only"
  config.hosts.clear
  config.logger = Logger.new($stdout, level: :warn)
end

class ItemsController < ActionController::API
  def index
    response.set_header("X-Total-Count", "3")
    render json: { items: [1, 2, 3] }
  end
end
"#;

/// Starts the app with `initializer` (an exported
/// `config/initializers/cors.rb`).
pub fn start(name: &str, initializer: &str) -> Server {
    let dir = TempDir::new(&format!("rails-{name}"));
    dir.write(
        "config.ru",
        &format!(
            "{APP}\n# config/initializers/cors.rb\n{initializer}\n\
             ZooApp.initialize!\n\
             ZooApp.routes.draw do\n  match \"/api/*path\", to: \"items#index\", via: :all\nend\n\
             run ZooApp\n"
        ),
    );
    let port = free_port();
    let mut command = Command::new("rackup");
    command
        .args(["-s", "webrick", "-o", "127.0.0.1", "-p", &port.to_string()])
        .arg("config.ru")
        .current_dir(dir.path());
    Server::start(&format!("rails ({name})"), command, dir, &[port], HINT)
}
