//! A scripted marketplace for the outbox: each post does what the script says, and what it
//! took can be found again (the way a sender looks for a lost attempt).

#![allow(dead_code)]

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketdesk_core::domain::{Attachment, Channel, Integration, Ticket};
use marketdesk_core::ports::{
    Delivered, DeliveryRegistry, FetchedFile, MarketplaceError, OutgoingReply, ReplyChannel,
};
use marketdesk_testkit::fixtures::start;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// What the scripted marketplace does with the next post.
#[derive(Clone)]
pub enum Step {
    /// Takes it.
    Accept,
    /// Takes it but the answer is lost (a timeout after posting).
    AcceptButLose,
    /// Fails before taking it.
    Fail(MarketplaceError),
}

#[derive(Default)]
pub struct Scripted {
    steps: Mutex<VecDeque<Step>>,
    posted: Mutex<Vec<(String, String, DateTime<Utc>)>>,
    /// How often `deliver` was called.
    pub calls: Mutex<usize>,
    /// When posts happen (the marketplace's timestamp of what it takes).
    pub now: Mutex<Option<DateTime<Utc>>>,
}

impl Scripted {
    pub fn with(steps: Vec<Step>) -> Arc<Self> {
        Arc::new(Self {
            steps: Mutex::new(steps.into()),
            ..Self::default()
        })
    }

    pub fn posted(&self) -> Vec<String> {
        self.posted
            .lock()
            .expect("lock")
            .iter()
            .map(|p| p.1.clone())
            .collect()
    }
}

#[async_trait]
impl ReplyChannel for Scripted {
    async fn deliver(
        &self,
        _integration: &Integration,
        _ticket: &Ticket,
        reply: &OutgoingReply,
    ) -> Result<Delivered, MarketplaceError> {
        *self.calls.lock().expect("lock") += 1;
        let step = self
            .steps
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or(Step::Accept);
        let post = || {
            let mut posted = self.posted.lock().expect("lock");
            let id = format!("mp-{}", posted.len() + 1);
            let at = self
                .now
                .lock()
                .expect("lock")
                .unwrap_or_else(|| start() + Duration::minutes(30));
            posted.push((id.clone(), reply.text.clone(), at));
            Delivered {
                external_id: id,
                created_at: at,
            }
        };
        match step {
            Step::Accept => Ok(post()),
            Step::AcceptButLose => {
                post();
                Err(MarketplaceError::Unavailable("timed out".into()))
            }
            Step::Fail(error) => Err(error),
        }
    }

    async fn find_delivered(
        &self,
        _integration: &Integration,
        _ticket: &Ticket,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Delivered>, MarketplaceError> {
        Ok(self
            .posted
            .lock()
            .expect("lock")
            .iter()
            .find(|(_, t, at)| t == text && *at >= since)
            .map(|(id, _, at)| Delivered {
                external_id: id.clone(),
                created_at: *at,
            }))
    }

    async fn fetch_attachment(
        &self,
        _integration: &Integration,
        _ticket: &Ticket,
        attachment: &Attachment,
    ) -> Result<FetchedFile, MarketplaceError> {
        Ok(FetchedFile::from_bytes(
            attachment.filename.clone(),
            "image/png".into(),
            vec![1, 2, 3],
        ))
    }
}

pub fn registry(channel: Arc<Scripted>) -> DeliveryRegistry {
    DeliveryRegistry::empty()
        .with_channel(Channel::AllegroIssues, channel.clone())
        .with_channel(Channel::AllegroMessaging, channel.clone())
        .with_channel(Channel::EmpikThreads, channel)
}
