//! A rate limit for requests on the wire: at most `rate` a second, evenly
//! spaced, shared by every clone of a [`crate::send::Sender`] (so it holds
//! however many cases are in flight).

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hands out send times `1 / rate` apart.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    /// The earliest time the next request may go.
    next: Mutex<Option<Instant>>,
}

impl Pace {
    /// At most `rate` requests a second.
    pub fn new(rate: NonZeroU32) -> Pace {
        Pace {
            interval: Duration::from_secs(1) / rate.get(),
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's turn.
    pub async fn wait(&self) {
        let slot = {
            // A poisoned lock only means another request panicked while
            // taking its turn; the schedule itself is still sound.
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a paused clock the turns are exactly `1 / rate` apart, the first
    /// one at once; after an idle spell the next goes at once again.
    #[tokio::test(start_paused = true)]
    async fn turns_are_evenly_spaced() {
        let pace = Pace::new(NonZeroU32::new(10).expect("non-zero"));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..5 {
            pace.wait().await;
            at.push(start.elapsed().as_millis());
        }
        assert_eq!(at, [0, 100, 200, 300, 400]);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let idle = Instant::now();
        pace.wait().await;
        assert_eq!(idle.elapsed(), Duration::ZERO);
    }

    /// Concurrent requests share one schedule.
    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_share_the_rate() {
        let pace = std::sync::Arc::new(Pace::new(NonZeroU32::new(4).expect("non-zero")));
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let pace = pace.clone();
            tasks.spawn(async move {
                pace.wait().await;
                start.elapsed().as_millis()
            });
        }
        let mut at = tasks.join_all().await;
        at.sort_unstable();
        assert_eq!(at, [0, 250, 500, 750, 1000, 1250, 1500, 1750]);
    }
}
