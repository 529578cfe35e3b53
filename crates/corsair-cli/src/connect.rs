//! How the doctor reaches a live server, for the commands that do (`check`,
//! `verify`): the connection options they share and the sender they make.

use std::path::PathBuf;
use std::time::Duration;

use corsair_doctor::send::{Sender, SenderOptions};

use crate::exit::CliError;

/// The connection options of `check` and `verify`.
#[derive(Clone, Debug, clap::Args)]
pub struct ConnectArgs {
    /// Extra CA certificates to trust (PEM).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Accept any TLS certificate.
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// Seconds each exchange may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Ignore HTTP_PROXY / HTTPS_PROXY / NO_PROXY.
    #[arg(long)]
    pub no_proxy: bool,
}

impl ConnectArgs {
    /// The sender these options describe. `insecure` is the command's own
    /// decision: `check` also honours a pasted cURL command's `-k`; `rate`
    /// caps the requests a second (`verify --rate`).
    pub fn sender(
        &self,
        insecure: bool,
        rate: Option<std::num::NonZeroU32>,
    ) -> Result<Sender, CliError> {
        let timeout = Duration::try_from_secs_f64(self.timeout)
            .map_err(|_| CliError::from("--timeout must be a number of seconds"))?;
        Sender::new(&SenderOptions {
            cacert: self.cacert.as_deref(),
            insecure,
            timeout: Some(timeout),
            no_proxy: self.no_proxy,
            rate,
        })
        .map_err(|e| CliError::Input(format!("--cacert {e}")))
    }
}
