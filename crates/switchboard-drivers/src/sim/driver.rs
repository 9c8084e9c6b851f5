//! The simulated world as a [`Driver`]: actions performed (once per operation, shaped by the
//! fault rules and the transitions' pace), states observed and waited for, resets.

use super::*;

#[async_trait::async_trait]
impl Driver for SimDriver {
    async fn register(&self, resource: &ResourceSpec) -> Result<(), DriverError> {
        let mut w = self.lock();
        w.resources
            .entry(resource.id.clone())
            .or_insert_with(|| SimResource::new(resource.initial_state, self.now()));
        if let Some(r) = w.resources.get_mut(&resource.id) {
            r.initial = resource.initial_state;
        }
        Ok(())
    }

    async fn perform(
        &self,
        resource: &ResourceSpec,
        action: Action,
        op: &str,
    ) -> Result<Option<String>, DriverError> {
        let now = self.now();
        let (durable, rule, effect) = {
            let mut w = self.lock();
            if w.performed_op(&resource.id, op) {
                return Ok(None);
            }
            if let Some(pending) = w.pending.get(&resource.id) {
                return if pending.op == op {
                    Ok(None)
                } else {
                    Err(DriverError::Failed(format!("{} is busy", resource.name)))
                };
            }
            let (state, _, _) = self.state_now(&mut w, resource)?;
            if state.is_transitional() {
                let busy_with = w
                    .resources
                    .get(&resource.id)
                    .and_then(|r| r.last())
                    .map(|t| t.action);
                return if busy_with == Some(action) {
                    Ok(None)
                } else {
                    Err(DriverError::Failed(format!(
                        "{} is busy ({})",
                        resource.name,
                        state.as_str()
                    )))
                };
            }
            if !state.needs(action) {
                return Ok(None);
            }
            // Most steps meet no rule at all: no facts are built for them.
            let hit = (!self.book.is_empty()).then(|| {
                let facts = StepFacts {
                    kind: resource.kind,
                    action,
                    project_id: resource.project_id.clone(),
                    resource_id: resource.id.clone(),
                    resource_name: resource.name.clone(),
                };
                let used = |id: &str| w.rule_used(id);
                self.book.check_step(&facts, &used)
            });
            let hit = hit.flatten();
            let seq = w.seq + 1;
            let base = match &hit {
                Some(h) => match h.fault {
                    StepFault::Take(took) => took,
                    _ => self.base_duration(resource, action),
                },
                None => self.base_duration(resource, action),
            };
            let configured = self.duration(base, &resource.id, seq);
            // A fault's own duration wins over the pace set by transitions.
            let taken = matches!(hit.as_ref().map(|h| &h.fault), Some(StepFault::Take(_)));
            let (took, reads) = match progress::pace(&self.transitions, resource, op) {
                _ if taken => (configured, None),
                progress::Pace::Configured => (configured, None),
                progress::Pace::Exactly(d) => (d, None),
                progress::Pace::Reads(n) => (Duration::MAX, Some(n)),
            };
            let (outcome, effect) = match hit.as_ref().map(|h| &h.fault) {
                Some(StepFault::Hang) => (Outcome::Hang, "hang"),
                Some(StepFault::Fail(message)) => (
                    Outcome::Fail(message.clone().unwrap_or_else(|| {
                        format!("simulated failure of {} {}", action.as_str(), resource.name)
                    })),
                    "fail",
                ),
                Some(StepFault::Take(_)) => (Outcome::Ok, "take"),
                None => (Outcome::Ok, ""),
            };
            let rule = hit.map(|h| h.rule_id);
            let entry = LogEntry {
                seq,
                at_ms: now,
                resource: resource.id.clone(),
                action,
                op: op.to_string(),
                until_ms: if reads.is_some() {
                    Millis::MAX
                } else {
                    now.saturating_add(took.as_millis().min(i64::MAX as u128) as i64)
                },
                outcome,
                fault: None,
                rule: rule.clone(),
                reset: None,
                reads,
                release: false,
            };
            let durable = w
                .record(entry)
                .map_err(|e| DriverError::Failed(format!("sim log write failed: {e}")))?;
            if durable.is_some() {
                let pending = journal::Pending {
                    op: op.to_string(),
                    rule: rule.clone(),
                };
                w.pending.insert(resource.id.clone(), pending);
            }
            (durable, rule, effect)
        };
        // Performed only once durable: a journal refuses the entry of a writer fenced off, and
        // then the step did not happen.
        let settled = self.settle(durable).await;
        let used = {
            let mut w = self.lock();
            w.pending.remove(&resource.id);
            rule.as_ref()
                .map_or(0, |id| w.rule_uses.get(id).copied().unwrap_or(0))
        };
        settled?;
        if let Some(rule_id) = rule {
            // Durable in the action log first: a server killed now still counts this use.
            let actions = step_actions(resource.kind, action);
            let firing = FaultFiring {
                rule_id: rule_id.clone(),
                at: now,
                family: actions
                    .first()
                    .and_then(|a| a.split(':').next())
                    .unwrap_or("sim")
                    .to_string(),
                action: actions.first().map(|a| a.to_string()),
                resource: Some(resource.id.clone()),
                project_id: Some(resource.project_id.clone()),
                step: Some(op.to_string()),
                effect: effect.into(),
                ..FaultFiring::default()
            };
            self.book.step_fired(&rule_id, used, firing);
        }
        Ok(None)
    }

    async fn observe(&self, resource: &ResourceSpec) -> Result<Observed, DriverError> {
        let (state, detail, _) = self.state_now(&mut self.lock(), resource)?;
        Ok(Observed { state, detail })
    }

    /// Waits on the simulated clock: the deadline is `timeout` of simulated time, so advancing
    /// the clock past it times the step out; every advance and every read wakes the wait.
    async fn wait_for(
        &self,
        resource: &ResourceSpec,
        target: Lifecycle,
        timeout: Duration,
    ) -> Result<Observed, DriverError> {
        let mut woken = self.transitions.clock.subscribe();
        let deadline = self
            .now()
            .saturating_add(timeout.as_millis().min(i64::MAX as u128) as i64);
        loop {
            woken.borrow_and_update();
            let (state, detail, until) = self.state_now(&mut self.lock(), resource)?;
            if state == target || !state.is_transitional() {
                return Ok(Observed { state, detail });
            }
            let now = self.now();
            if now >= deadline {
                return Err(DriverError::Timeout(timeout));
            }
            let end = until.unwrap_or(Millis::MAX).min(deadline);
            let wait = self.real_time_until(end);
            if wait > timer::PRECISE_WITHIN {
                let sleep = (wait - timer::PRECISE_WITHIN / 2).min(Duration::from_secs(3_600));
                tokio::select! {
                    _ = tokio::time::sleep(sleep) => {}
                    _ = woken.changed() => {}
                }
            } else {
                let at = std::time::Instant::now() + wait.max(Duration::from_micros(50));
                tokio::select! {
                    _ = self.timer.sleep_until(at) => {}
                    _ = woken.changed() => {}
                }
            }
        }
    }

    async fn console_log(&self, resource: &ResourceSpec) -> Result<Option<String>, DriverError> {
        let w = self.lock();
        let r = w.resources.get(&resource.id).ok_or_else(|| {
            DriverError::Permanent(format!("{} is not in the simulated world", resource.id))
        })?;
        Ok(Some(console::render(resource, r, self.now())))
    }

    async fn reset(
        &self,
        resource: &ResourceSpec,
        state: Lifecycle,
        detail: Option<String>,
    ) -> Result<(), DriverError> {
        let durable = {
            let mut w = self.lock();
            let seq = w.seq + 1;
            let now = self.now();
            // Durable in the action log, so a restart replays the reset too.
            let entry = LogEntry {
                seq,
                at_ms: now,
                resource: resource.id.clone(),
                action: Action::Start,
                op: String::new(),
                until_ms: now,
                outcome: detail.map_or(Outcome::Ok, Outcome::Fail),
                fault: None,
                rule: None,
                reset: Some(state),
                reads: None,
                release: false,
            };
            w.record(entry)
                .map_err(|e| DriverError::Failed(format!("sim log write failed: {e}")))?
        };
        self.settle(durable).await
    }

    fn held(&self, resource: &ResourceSpec) -> bool {
        let w = self.lock();
        let last = w.resources.get(&resource.id).and_then(|r| r.last());
        last.is_some_and(|t| t.outcome == Outcome::Hang)
    }

    /// In a world replicas share, what the others appended by now is applied.
    async fn catch_up(&self) -> Result<(), DriverError> {
        journal::catch_up(&self.world, &self.follow)
            .await
            .map_err(|e| DriverError::Failed(format!("sim journal unreadable: {e}")))
    }

    fn runs_on_any_replica(&self) -> bool {
        let beside = self.beside.as_ref();
        beside.is_some_and(|controls| !controls.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn expected_duration(&self, resource: &ResourceSpec, action: Action) -> Duration {
        self.base_duration(resource, action)
            .div_f64(self.config.speed)
    }
}
