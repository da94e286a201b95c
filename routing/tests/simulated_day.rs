//! A simulated day in the contact center: more than 10,000 calls through the IVR and five queues (one
//! per strategy), 40 agents on shifts taking breaks, answering late, not answering and declining,
//! callers giving up. A small discrete-event driver plays the runtime: it executes the ACD's and the
//! IVR's outputs by scheduling what the people would do, and keeps its own books.
//!
//! Checked continuously: an agent is offered a call only when, by the driver's own account, it is
//! logged in, not on break, past its wrap-up, seated in the queue with its tier open, and holding no
//! other offer or call; first offers within a queue follow the order of entry. Checked at the end:
//! every call has exactly one terminal outcome, and the per-queue figures of `QueueStats` equal those
//! recomputed from the driver's log.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use earshot_routing::{
    Acd, Action, AgentConfig, AgentId, AgentReason, AgentState, CallId, IvrOutput, IvrSession,
    Member, MenuAction, MenuConfig, MenuId, Millis, QueueConfig, QueueEventKind, QueueId,
    RoutingConfig, StatsBook, Strategy,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;
const AGENTS: usize = 40;

// ----- configuration -----

fn agent_id(i: usize) -> AgentId {
    AgentId::new(format!("a{i:02}"))
}

fn members(range: std::ops::Range<usize>, tier: u8) -> Vec<Member> {
    range
        .map(|i| Member {
            agent: agent_id(i),
            tier,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn queue(
    id: &str,
    strategy: Strategy,
    members: Vec<Member>,
    ring_timeout_ms: Millis,
    wrap_up_ms: Millis,
    max_wait_ms: Option<Millis>,
    overflow: Option<&str>,
    tier_wait_ms: Millis,
    auto_break_after: Option<u32>,
    service_level_ms: Millis,
) -> QueueConfig {
    QueueConfig {
        id: id.into(),
        strategy,
        members,
        required_skills: BTreeMap::new(),
        ring_timeout_ms,
        wrap_up_ms,
        max_wait_ms,
        overflow_queue: overflow.map(QueueId::from),
        tier_wait_ms,
        auto_break_after,
        service_level_ms,
        moh_prompt: Some("moh".into()),
        closing_prompt: Some("closed".into()),
    }
}

fn day_config(rng: &mut StdRng) -> RoutingConfig {
    let agents = (0..AGENTS)
        .map(|i| {
            let mut skills = BTreeMap::new();
            if rng.gen_bool(0.6) {
                skills.insert("tech".to_string(), rng.gen_range(1..=10));
            }
            if rng.gen_bool(0.4) {
                skills.insert("es".to_string(), rng.gen_range(1..=10));
            }
            AgentConfig {
                id: agent_id(i),
                name: format!("Agent {i}"),
                skills,
            }
        })
        .collect();
    let mut sales = [members(0..12, 1), members(12..16, 2)].concat();
    sales.push(Member {
        agent: agent_id(30),
        tier: 3,
    });
    let mut support = queue(
        "support",
        Strategy::SkillsBased,
        vec![],
        12 * SECOND,
        20 * SECOND,
        None,
        None,
        0,
        Some(2),
        30 * SECOND,
    );
    support.required_skills.insert("tech".into(), 3);
    let general_members = [members(30..40, 1), members(0..4, 2)].concat();
    let vip_members = [members(26..30, 1), members(30..32, 2)].concat();
    RoutingConfig {
        agents,
        queues: vec![
            queue(
                "sales",
                Strategy::LongestIdle,
                sales,
                15 * SECOND,
                10 * SECOND,
                Some(2 * MINUTE),
                Some("general"),
                20 * SECOND,
                Some(3),
                20 * SECOND,
            ),
            support,
            queue(
                "billing",
                Strategy::RoundRobin,
                members(16..26, 1),
                15 * SECOND,
                5 * SECOND,
                Some(3 * MINUTE),
                None,
                0,
                Some(3),
                20 * SECOND,
            ),
            queue(
                "vip",
                Strategy::RingAll,
                vip_members,
                10 * SECOND,
                15 * SECOND,
                Some(MINUTE),
                Some("sales"),
                10 * SECOND,
                None,
                10 * SECOND,
            ),
            queue(
                "general",
                Strategy::FewestCalls,
                general_members,
                15 * SECOND,
                0,
                Some(5 * MINUTE),
                None,
                30 * SECOND,
                Some(4),
                60 * SECOND,
            ),
        ],
        menus: vec![
            MenuConfig {
                id: "main".into(),
                prompt: "welcome".into(),
                invalid_prompt: Some("invalid".into()),
                timeout_ms: 5 * SECOND,
                max_repeats: 2,
                entries: BTreeMap::from([
                    ('1', MenuAction::Queue("sales".into())),
                    ('2', MenuAction::Queue("support".into())),
                    ('3', MenuAction::Menu("accounts".into())),
                    ('*', MenuAction::Repeat),
                    ('9', MenuAction::Hangup),
                ]),
            },
            MenuConfig {
                id: "accounts".into(),
                prompt: "accounts".into(),
                invalid_prompt: None,
                timeout_ms: 4 * SECOND,
                max_repeats: 1,
                entries: BTreeMap::from([
                    ('1', MenuAction::Queue("billing".into())),
                    ('2', MenuAction::Queue("vip".into())),
                    ('0', MenuAction::Menu("main".into())),
                ]),
            },
        ],
    }
}

// ----- the driver -----

#[derive(Clone, Debug)]
enum Ev {
    CallArrives,
    IvrKey {
        call: CallId,
        generation: u64,
        key: char,
    },
    IvrPromptDone {
        call: CallId,
        generation: u64,
    },
    IvrCallerHangsUp {
        call: CallId,
    },
    QueuePatienceOver {
        call: CallId,
    },
    AgentAnswers {
        call: CallId,
        agent: usize,
        offer: u64,
    },
    AgentDeclines {
        call: CallId,
        agent: usize,
        offer: u64,
    },
    CallEnds {
        call: CallId,
    },
    Login {
        agent: usize,
    },
    Logout {
        agent: usize,
    },
    BreakStart {
        agent: usize,
        length: Millis,
    },
    BreakEnd {
        agent: usize,
        token: u64,
    },
    Audit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Busy {
    Ringing { call: CallId, offer: u64 },
    OnCall { call: CallId },
}

/// The driver's own account of an agent, built from what it asked for and the configured rules.
#[derive(Clone, Debug, Default)]
struct AgentModel {
    logged_in: bool,
    on_break: bool,
    break_token: u64,
    busy: Option<Busy>,
    wrap_until: Millis,
    unanswered: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Outcome {
    Completed,
    AbandonedInQueue,
    AbandonedInIvr,
    Closed,
    IvrHangup,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Fate {
    InIvr,
    Queued,
    Connected { agent: usize, queue: QueueId },
    Done(Outcome),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SegmentEnd {
    Answered(Millis),
    Abandoned,
    Overflowed,
    Closed,
}

/// A call's stay in one queue, as the driver saw it.
#[derive(Clone, Debug)]
struct Segment {
    queue: QueueId,
    entered: Millis,
    end: Option<SegmentEnd>,
    first_offered: bool,
}

#[derive(Default, Debug)]
struct Tally {
    offers: u64,
    tier_above_one_offers: u64,
    declines: u64,
    no_answers: u64,
    auto_breaks: u64,
    overflows: u64,
    barge_ins: u64,
    ivr_timeouts: u64,
    talk_ms: BTreeMap<QueueId, u64>,
}

struct Sim {
    rng: StdRng,
    now: Millis,
    config: RoutingConfig,
    acd: Acd,
    book: StatsBook,
    agenda: BTreeMap<(Millis, u64), Ev>,
    next_seq: u64,
    next_call: u64,
    next_offer: u64,
    ivr: HashMap<CallId, (IvrSession, u64)>,
    ivr_deadlines: BTreeSet<(Millis, CallId)>,
    ivr_deadline_of: HashMap<CallId, Millis>,
    agents: Vec<AgentModel>,
    expect_auto_break: HashSet<usize>,
    fates: HashMap<CallId, Fate>,
    segments: Vec<Segment>,
    segment_of: HashMap<CallId, usize>,
    /// Per queue: calls in it that have not had a first offer, in order of entry.
    unoffered: BTreeMap<QueueId, VecDeque<CallId>>,
    terminal_queue_events: HashMap<CallId, u32>,
    tally: Tally,
}

fn index_of(agent: &AgentId) -> usize {
    agent.as_str()[1..].parse().expect("agent ids are aNN")
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let config = day_config(&mut rng);
        let acd = Acd::new(config.clone()).expect("the day's configuration is valid");
        let book = StatsBook::new(&config);
        let unoffered = config
            .queues
            .iter()
            .map(|q| (q.id.clone(), VecDeque::new()))
            .collect();
        Sim {
            rng,
            now: 0,
            config,
            acd,
            book,
            agenda: BTreeMap::new(),
            next_seq: 0,
            next_call: 0,
            next_offer: 0,
            ivr: HashMap::new(),
            ivr_deadlines: BTreeSet::new(),
            ivr_deadline_of: HashMap::new(),
            agents: vec![AgentModel::default(); AGENTS],
            expect_auto_break: HashSet::new(),
            fates: HashMap::new(),
            segments: Vec::new(),
            segment_of: HashMap::new(),
            unoffered,
            terminal_queue_events: HashMap::new(),
            tally: Tally::default(),
        }
    }

    fn at(&mut self, at: Millis, ev: Ev) {
        self.agenda.insert((at, self.next_seq), ev);
        self.next_seq += 1;
    }

    fn exp(&mut self, mean: f64) -> Millis {
        let u: f64 = self.rng.gen();
        (-mean * (1.0 - u).ln()) as Millis
    }

    /// Shifts, breaks, the arrival process and the periodic audit.
    fn plan_day(&mut self) {
        for agent in 0..AGENTS {
            let (start, length) = if agent < 32 {
                (self.rng.gen_range(5 * HOUR..13 * HOUR), 9 * HOUR)
            } else {
                (self.rng.gen_range(0..16 * HOUR), 8 * HOUR)
            };
            self.at(start, Ev::Login { agent });
            self.at(start + length, Ev::Logout { agent });
            for _ in 0..self.rng.gen_range(1..=3) {
                let when = self
                    .rng
                    .gen_range(start + 30 * MINUTE..start + length - 30 * MINUTE);
                let length = self.rng.gen_range(5 * MINUTE..20 * MINUTE);
                self.at(when, Ev::BreakStart { agent, length });
            }
        }
        // Non-homogeneous Poisson arrivals by thinning: quiet at night, peaking in the afternoon.
        let peak_rate_per_ms = 0.29 / SECOND as f64;
        let mut t = 0;
        loop {
            t += self.exp(1.0 / peak_rate_per_ms).max(1);
            if t >= DAY {
                break;
            }
            let hour = t as f64 / HOUR as f64;
            let shape = 0.15 + 0.85 * ((hour - 6.0) / 14.0 * std::f64::consts::PI).sin().max(0.0);
            if self.rng.gen_bool(shape.min(1.0)) {
                self.at(t, Ev::CallArrives);
            }
        }
        for m in (0..DAY + 2 * HOUR).step_by((10 * MINUTE) as usize) {
            self.at(m, Ev::Audit);
        }
    }

    fn run(&mut self) {
        loop {
            let agenda = self.agenda.keys().next().map(|(t, _)| *t);
            let acd = self.acd.poll_timeout();
            let ivr = self.ivr_deadlines.iter().next().map(|(t, _)| *t);
            let Some(next) = [acd, ivr, agenda].into_iter().flatten().min() else {
                break;
            };
            assert!(next >= self.now, "time runs forward");
            self.now = next;
            if acd == Some(next) {
                self.acd.handle_timeout(next);
                self.drain_acd();
            } else if ivr == Some(next) {
                let Some((_, call)) = self.ivr_deadlines.pop_first() else {
                    unreachable!()
                };
                self.ivr_deadline_of.remove(&call);
                self.tally.ivr_timeouts += 1;
                self.with_ivr(call, |s, now| s.handle_timeout(now));
            } else {
                let Some((_, ev)) = self.agenda.pop_first() else {
                    unreachable!()
                };
                self.handle(ev);
            }
        }
    }

    fn handle(&mut self, ev: Ev) {
        let now = self.now;
        match ev {
            Ev::CallArrives => {
                let call = CallId(self.next_call);
                self.next_call += 1;
                let session =
                    IvrSession::start(call, &self.config, &MenuId::from("main"), now).unwrap();
                self.fates.insert(call, Fate::InIvr);
                self.ivr.insert(call, (session, 0));
                if self.rng.gen_bool(0.03) {
                    let when = now + self.rng.gen_range(2 * SECOND..30 * SECOND);
                    self.at(when, Ev::IvrCallerHangsUp { call });
                }
                self.with_ivr(call, |_, _| {});
            }
            Ev::IvrKey {
                call,
                generation,
                key,
            } => {
                if self.ivr.get(&call).is_some_and(|(_, g)| *g == generation) {
                    self.with_ivr(call, |s, now| s.digit(key, now));
                }
            }
            Ev::IvrPromptDone { call, generation } => {
                if self.ivr.get(&call).is_some_and(|(_, g)| *g == generation) {
                    self.with_ivr(call, |s, now| s.prompt_finished(now));
                }
            }
            Ev::IvrCallerHangsUp { call } => {
                if self.ivr.remove(&call).is_some() {
                    self.clear_ivr_deadline(call);
                    self.finish(call, Outcome::AbandonedInIvr);
                }
            }
            Ev::QueuePatienceOver { call } => {
                if self.fates[&call] == Fate::Queued {
                    self.acd
                        .caller_left(call, now)
                        .expect("a queued call can leave");
                    self.end_segment(call, SegmentEnd::Abandoned);
                    self.finish(call, Outcome::AbandonedInQueue);
                    self.drain_acd();
                }
            }
            Ev::AgentAnswers { call, agent, offer } => {
                if self.agents[agent].busy == Some(Busy::Ringing { call, offer }) {
                    self.acd
                        .answered(call, &agent_id(agent), now)
                        .expect("the driver's offer is outstanding");
                    let model = &mut self.agents[agent];
                    model.busy = Some(Busy::OnCall { call });
                    model.unanswered = 0;
                    let queue = self.segments[self.segment_of[&call]].queue.clone();
                    self.end_segment(call, SegmentEnd::Answered(now));
                    self.fates.insert(call, Fate::Connected { agent, queue });
                    let talk = 10 * SECOND + self.exp(75_000.0);
                    self.at(now + talk, Ev::CallEnds { call });
                    self.drain_acd();
                }
            }
            Ev::AgentDeclines { call, agent, offer } => {
                if self.agents[agent].busy == Some(Busy::Ringing { call, offer }) {
                    self.acd
                        .declined(call, &agent_id(agent), now)
                        .expect("the driver's offer is outstanding");
                    self.agents[agent].busy = None;
                    self.tally.declines += 1;
                    let queue = self.segments[self.segment_of[&call]].queue.clone();
                    self.count_unanswered(agent, &queue);
                    self.drain_acd();
                }
            }
            Ev::CallEnds { call } => {
                let Fate::Connected { agent, queue } = self.fates[&call].clone() else {
                    panic!("call {call} ends but is not connected")
                };
                self.acd
                    .call_ended(call, now)
                    .expect("a connected call can end");
                let wrap = self.config.queue(&queue).unwrap().wrap_up_ms;
                let Some(SegmentEnd::Answered(answered_at)) =
                    self.segments[self.segment_of[&call]].end
                else {
                    panic!("connected call {call} has no answer time")
                };
                *self.tally.talk_ms.entry(queue.clone()).or_default() += now - answered_at;
                let model = &mut self.agents[agent];
                assert_eq!(model.busy, Some(Busy::OnCall { call }));
                model.busy = None;
                model.wrap_until = now + wrap;
                self.finish(call, Outcome::Completed);
                self.drain_acd();
            }
            Ev::Login { agent } => {
                self.acd.agent_login(&agent_id(agent), now).unwrap();
                self.agents[agent].logged_in = true;
                self.drain_acd();
            }
            Ev::Logout { agent } => {
                self.acd.agent_logout(&agent_id(agent), now).unwrap();
                let model = &mut self.agents[agent];
                model.logged_in = false;
                model.on_break = false;
                model.unanswered = 0;
                if matches!(model.busy, Some(Busy::Ringing { .. })) {
                    // The ACD withdraws the offer; the CancelOffer will clear it.
                }
                self.drain_acd();
            }
            Ev::BreakStart { agent, length } => {
                let model = &self.agents[agent];
                if model.logged_in && !model.on_break {
                    self.acd.set_break(&agent_id(agent), true, now).unwrap();
                    let model = &mut self.agents[agent];
                    model.on_break = true;
                    model.unanswered = 0;
                    model.break_token += 1;
                    let token = model.break_token;
                    self.at(now + length, Ev::BreakEnd { agent, token });
                    self.drain_acd();
                }
            }
            Ev::BreakEnd { agent, token } => {
                let model = &mut self.agents[agent];
                if model.logged_in && model.on_break && model.break_token == token {
                    model.on_break = false;
                    self.acd.set_break(&agent_id(agent), false, now).unwrap();
                    self.drain_acd();
                }
            }
            Ev::Audit => self.audit(),
        }
    }

    /// Applies an input to an IVR session and executes what it asks for.
    fn with_ivr(&mut self, call: CallId, input: impl FnOnce(&mut IvrSession, Millis)) {
        let now = self.now;
        let Some((session, _)) = self.ivr.get_mut(&call) else {
            return;
        };
        input(session, now);
        let mut outputs = Vec::new();
        while let Some(output) = session.poll_output() {
            outputs.push(output);
        }
        let menu = session.current_menu().clone();
        let deadline = session.poll_timeout();
        self.clear_ivr_deadline(call);
        if let Some(deadline) = deadline {
            self.ivr_deadlines.insert((deadline, call));
            self.ivr_deadline_of.insert(call, deadline);
        }
        for output in outputs {
            match output {
                IvrOutput::StopPrompt => {
                    self.tally.barge_ins += 1;
                    if let Some((_, generation)) = self.ivr.get_mut(&call) {
                        *generation += 1;
                    }
                }
                IvrOutput::Play(_) => self.caller_listens(call, &menu),
                // This simulated day's menus have no survey key.
                IvrOutput::SurveyOptIn => {}
                IvrOutput::Route(queue) => {
                    self.ivr.remove(&call);
                    self.clear_ivr_deadline(call);
                    self.acd
                        .enqueue(call, &queue, now)
                        .expect("the IVR routes to configured queues");
                    self.fates.insert(call, Fate::Queued);
                    self.start_segment(call, queue);
                    let patience = 5 * SECOND + self.exp(150_000.0);
                    self.at(now + patience, Ev::QueuePatienceOver { call });
                    self.drain_acd();
                }
                IvrOutput::Hangup { .. } => {
                    self.ivr.remove(&call);
                    self.clear_ivr_deadline(call);
                    self.finish(call, Outcome::IvrHangup);
                }
            }
        }
    }

    fn clear_ivr_deadline(&mut self, call: CallId) {
        if let Some(old) = self.ivr_deadline_of.remove(&call) {
            self.ivr_deadlines.remove(&(old, call));
        }
    }

    /// A prompt starts: the caller barges in, waits for the end and presses a key, or does nothing.
    fn caller_listens(&mut self, call: CallId, menu: &MenuId) {
        let now = self.now;
        let Some((_, generation)) = self.ivr.get_mut(&call) else {
            return;
        };
        *generation += 1;
        let generation = *generation;
        let duration = self.rng.gen_range(2 * SECOND..6 * SECOND);
        let roll: f64 = self.rng.gen();
        let key = self.choose_key(menu);
        self.at(now + duration, Ev::IvrPromptDone { call, generation });
        if roll < 0.25 {
            let when = now + self.rng.gen_range(300..duration);
            self.at(
                when,
                Ev::IvrKey {
                    call,
                    generation,
                    key,
                },
            );
        } else if roll < 0.9 {
            let when = now + duration + self.rng.gen_range(200..3_500);
            self.at(
                when,
                Ev::IvrKey {
                    call,
                    generation,
                    key,
                },
            );
        }
    }

    fn choose_key(&mut self, menu: &MenuId) -> char {
        let roll: f64 = self.rng.gen();
        let table: &[(f64, char)] = if menu.as_str() == "main" {
            &[
                (0.40, '1'),
                (0.68, '2'),
                (0.90, '3'),
                (0.93, '*'),
                (0.95, '9'),
                (1.0, '7'),
            ]
        } else {
            &[(0.55, '1'), (0.88, '2'), (0.94, '0'), (1.0, '5')]
        };
        table
            .iter()
            .find(|(p, _)| roll < *p)
            .map_or('7', |(_, k)| *k)
    }

    fn start_segment(&mut self, call: CallId, queue: QueueId) {
        self.segment_of.insert(call, self.segments.len());
        self.unoffered.get_mut(&queue).unwrap().push_back(call);
        self.segments.push(Segment {
            queue,
            entered: self.now,
            end: None,
            first_offered: false,
        });
    }

    fn end_segment(&mut self, call: CallId, end: SegmentEnd) {
        let segment = &mut self.segments[self.segment_of[&call]];
        assert_eq!(
            segment.end, None,
            "call {call} left {} twice",
            segment.queue
        );
        segment.end = Some(end);
        if !segment.first_offered {
            let waiting = self.unoffered.get_mut(&segment.queue).unwrap();
            let pos = waiting
                .iter()
                .position(|c| *c == call)
                .expect("unoffered call is listed");
            waiting.remove(pos);
        }
    }

    fn finish(&mut self, call: CallId, outcome: Outcome) {
        let fate = self
            .fates
            .insert(call, Fate::Done(outcome))
            .expect("known call");
        assert!(
            !matches!(fate, Fate::Done(_)),
            "call {call} ended twice: {fate:?} then {outcome:?}"
        );
    }

    /// One more offer left unanswered or declined; the driver expects an auto-break at the limit of
    /// the queue of the call.
    fn count_unanswered(&mut self, agent: usize, queue: &QueueId) {
        self.agents[agent].unanswered += 1;
        let limit = self.config.queue(queue).unwrap().auto_break_after;
        if limit.is_some_and(|limit| self.agents[agent].unanswered >= limit) {
            self.expect_auto_break.insert(agent);
        }
    }

    /// Drains every output of the ACD, executing actions and checking invariants.
    fn drain_acd(&mut self) {
        while let Some(action) = self.acd.poll_action() {
            self.execute(action);
        }
        while let Some(event) = self.acd.poll_event() {
            match &event.kind {
                QueueEventKind::NoAnswer { agent } => {
                    self.tally.no_answers += 1;
                    self.count_unanswered(index_of(agent), &event.queue.clone());
                }
                QueueEventKind::Complete { .. } => {
                    *self.terminal_queue_events.entry(event.call).or_default() += 1;
                }
                QueueEventKind::Abandon { .. } | QueueEventKind::Closed { .. } => {
                    *self.terminal_queue_events.entry(event.call).or_default() += 1;
                }
                _ => {}
            }
            assert_eq!(event.at, self.now);
            self.book.record(&event);
        }
        while let Some(event) = self.acd.poll_agent_event() {
            assert_eq!(event.at, self.now);
            if let AgentReason::AutoBreak { .. } = event.reason {
                let i = index_of(&event.agent);
                assert!(
                    self.expect_auto_break.remove(&i),
                    "unexpected auto-break of {}",
                    event.agent
                );
                self.tally.auto_breaks += 1;
                let model = &mut self.agents[i];
                model.on_break = true;
                model.unanswered = 0;
                model.break_token += 1;
                let token = model.break_token;
                let back = self.now + self.rng.gen_range(2 * MINUTE..6 * MINUTE);
                self.at(back, Ev::BreakEnd { agent: i, token });
            }
        }
        assert!(
            self.expect_auto_break.is_empty(),
            "missed auto-breaks: {:?}",
            self.expect_auto_break
        );
    }

    fn execute(&mut self, action: Action) {
        let now = self.now;
        match action {
            Action::Offer { call, agent, queue } => {
                let i = index_of(&agent);
                self.check_offer(call, i, &queue);
                let offer = self.next_offer;
                self.next_offer += 1;
                self.agents[i].busy = Some(Busy::Ringing { call, offer });
                self.tally.offers += 1;
                let roll: f64 = self.rng.gen();
                if roll < 0.80 {
                    let delay = self.rng.gen_range(SECOND..14 * SECOND);
                    self.at(
                        now + delay,
                        Ev::AgentAnswers {
                            call,
                            agent: i,
                            offer,
                        },
                    );
                } else if roll < 0.87 {
                    let delay = self.rng.gen_range(500..4 * SECOND);
                    self.at(
                        now + delay,
                        Ev::AgentDeclines {
                            call,
                            agent: i,
                            offer,
                        },
                    );
                } // else: the agent lets it ring.
            }
            Action::CancelOffer { call, agent } => {
                let i = index_of(&agent);
                assert!(
                    matches!(self.agents[i].busy, Some(Busy::Ringing { call: c, .. }) if c == call),
                    "cancel of an offer {agent} does not hold: {:?}",
                    self.agents[i].busy
                );
                self.agents[i].busy = None;
            }
            Action::Overflow { call, from, to } => {
                assert_eq!(self.fates[&call], Fate::Queued);
                assert_eq!(self.segments[self.segment_of[&call]].queue, from);
                assert_eq!(
                    self.config.queue(&from).unwrap().overflow_queue.as_ref(),
                    Some(&to),
                    "overflow goes to the configured queue"
                );
                self.tally.overflows += 1;
                self.end_segment(call, SegmentEnd::Overflowed);
                self.start_segment(call, to);
            }
            Action::Close {
                call,
                queue,
                prompt,
            } => {
                assert_eq!(self.segments[self.segment_of[&call]].queue, queue);
                assert_eq!(prompt, Some("closed".into()));
                self.end_segment(call, SegmentEnd::Closed);
                self.finish(call, Outcome::Closed);
            }
        }
    }

    /// The offer invariants, judged on the driver's own books.
    fn check_offer(&mut self, call: CallId, agent: usize, queue: &QueueId) {
        let now = self.now;
        let model = &self.agents[agent];
        assert_eq!(
            model.busy, None,
            "a{agent:02} offered {call} while holding {:?}",
            model.busy
        );
        assert!(
            model.logged_in,
            "a{agent:02} offered {call} while logged out"
        );
        assert!(!model.on_break, "a{agent:02} offered {call} while on break");
        assert!(
            now >= model.wrap_until,
            "a{agent:02} offered {call} during wrap-up"
        );
        assert_eq!(
            self.fates[&call],
            Fate::Queued,
            "offer of {call} which is not waiting"
        );
        let segment_index = self.segment_of[&call];
        let segment = &self.segments[segment_index];
        assert_eq!(&segment.queue, queue);
        let config = self.config.queue(queue).unwrap();
        let tier = seat_tier(&self.config, config, agent)
            .unwrap_or_else(|| panic!("a{agent:02} not seated in {queue}"));
        let wait = now - segment.entered;
        assert!(
            wait >= Millis::from(tier - 1) * config.tier_wait_ms,
            "tier {tier} of {queue} offered after {wait} ms"
        );
        if tier > 1 {
            self.tally.tier_above_one_offers += 1;
        }
        if !segment.first_offered {
            let waiting = self.unoffered.get_mut(queue).unwrap();
            assert_eq!(
                waiting.front(),
                Some(&call),
                "FIFO in {queue}: {call} offered before {:?}",
                waiting.front()
            );
            waiting.pop_front();
            self.segments[segment_index].first_offered = true;
        }
    }

    /// The ACD's view of each agent agrees with the driver's.
    fn audit(&mut self) {
        for (i, model) in self.agents.iter().enumerate() {
            let state = self.acd.agent_state(&agent_id(i)).unwrap();
            match model.busy {
                Some(Busy::Ringing { .. }) => assert_eq!(state, AgentState::Ringing, "a{i:02}"),
                Some(Busy::OnCall { .. }) => assert_eq!(state, AgentState::OnCall, "a{i:02}"),
                None if !model.logged_in => assert_eq!(state, AgentState::LoggedOut, "a{i:02}"),
                None if self.now < model.wrap_until => {
                    assert_eq!(state, AgentState::WrapUp, "a{i:02}")
                }
                None if model.on_break => assert_eq!(state, AgentState::Break, "a{i:02}"),
                None => assert_eq!(state, AgentState::Available, "a{i:02}"),
            }
        }
        let snapshot = self.acd.snapshot(self.now);
        let waiting: usize = snapshot.queues.iter().map(|q| q.waiting).sum();
        let queued = self.fates.values().filter(|f| **f == Fate::Queued).count();
        assert_eq!(waiting, queued, "waiting calls at {}", self.now);
    }
}

/// The tier at which the agent is seated in the queue, by the configuration's rules.
fn seat_tier(config: &RoutingConfig, queue: &QueueConfig, agent: usize) -> Option<u8> {
    let id = agent_id(agent);
    let skills = &config.agent(&id)?.skills;
    let skilled = queue
        .required_skills
        .iter()
        .all(|(skill, min)| skills.get(skill).is_some_and(|l| l >= min));
    if !skilled {
        return None;
    }
    if queue.members.is_empty() && queue.strategy == Strategy::SkillsBased {
        return Some(1);
    }
    queue.members.iter().find(|m| m.agent == id).map(|m| m.tier)
}

#[test]
fn a_simulated_day_keeps_every_invariant_and_the_statistics_add_up() {
    // ROUTING_SIM_SEED=n replays another day.
    let seed = std::env::var("ROUTING_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x05EE_DDA7);
    let mut sim = Sim::new(seed);
    sim.plan_day();
    sim.run();

    // Every call ended exactly once; none is left in the ACD or the IVR.
    let calls = sim.next_call;
    assert!(calls >= 10_000, "only {calls} calls");
    let mut outcomes: BTreeMap<Outcome, u64> = BTreeMap::new();
    for (call, fate) in &sim.fates {
        let Fate::Done(outcome) = fate else {
            panic!("call {call} never ended: {fate:?}")
        };
        *outcomes.entry(*outcome).or_default() += 1;
        let in_queue = matches!(
            outcome,
            Outcome::Completed | Outcome::AbandonedInQueue | Outcome::Closed
        );
        assert_eq!(
            sim.terminal_queue_events.get(call).copied().unwrap_or(0),
            u32::from(in_queue),
            "call {call}"
        );
    }
    assert_eq!(outcomes.values().sum::<u64>(), calls);
    assert!(sim.ivr.is_empty() && sim.acd.poll_timeout().is_none());
    assert!(sim.segments.iter().all(|s| s.end.is_some()));
    assert!(sim.unoffered.values().all(VecDeque::is_empty));

    // The statistics equal the driver's own figures.
    for queue in &sim.config.queues {
        let segments: Vec<&Segment> = sim
            .segments
            .iter()
            .filter(|s| s.queue == queue.id)
            .collect();
        let waits: Vec<Millis> = segments
            .iter()
            .filter_map(|s| match s.end {
                Some(SegmentEnd::Answered(at)) => Some(at - s.entered),
                _ => None,
            })
            .collect();
        let count = |end: SegmentEnd| segments.iter().filter(|s| s.end == Some(end)).count() as u64;
        let answered = waits.len() as u64;
        let abandoned = count(SegmentEnd::Abandoned);
        let closed = count(SegmentEnd::Closed);
        let handled = answered + abandoned + closed;
        let within = waits
            .iter()
            .filter(|w| **w <= queue.service_level_ms)
            .count() as u64;

        let stats = sim.book.queue(&queue.id).unwrap();
        assert_eq!(stats.offered, segments.len() as u64, "{}", queue.id);
        assert_eq!(
            (
                stats.answered,
                stats.abandoned,
                stats.closed,
                stats.overflowed
            ),
            (answered, abandoned, closed, count(SegmentEnd::Overflowed)),
            "{}",
            queue.id
        );
        assert_eq!(
            stats.service_level(),
            Some(within as f64 / handled as f64),
            "{}",
            queue.id
        );
        assert_eq!(
            stats.abandon_rate(),
            Some(abandoned as f64 / handled as f64),
            "{}",
            queue.id
        );
        let asa = waits.iter().sum::<u64>() as f64 / answered as f64;
        assert_eq!(
            stats.average_speed_of_answer_ms(),
            Some(asa),
            "{}",
            queue.id
        );
        assert_eq!(stats.talk_ms, sim.tally.talk_ms[&queue.id], "{}", queue.id);
        assert_eq!(stats.completed, answered, "{}", queue.id);
        println!(
            "{:8} offered {:5} answered {:5} abandoned {:4} overflowed {:4} closed {:4}  SL {:5.1}%  abandon {:4.1}%  ASA {:5.1}s  talk {:5.1}s",
            queue.id.as_str(),
            stats.offered,
            stats.answered,
            stats.abandoned,
            stats.overflowed,
            stats.closed,
            100.0 * stats.service_level().unwrap(),
            100.0 * stats.abandon_rate().unwrap(),
            stats.average_speed_of_answer_ms().unwrap() / 1_000.0,
            stats.average_talk_ms().unwrap() / 1_000.0,
        );
    }
    println!("{calls} calls: {outcomes:?}\n{:?}", sim.tally);

    // The day exercised every path the invariants are about.
    for outcome in [
        Outcome::Completed,
        Outcome::AbandonedInQueue,
        Outcome::AbandonedInIvr,
        Outcome::Closed,
        Outcome::IvrHangup,
    ] {
        assert!(
            outcomes.get(&outcome).copied().unwrap_or(0) > 0,
            "no {outcome:?}"
        );
    }
    let t = &sim.tally;
    for (what, n) in [
        ("declines", t.declines),
        ("no-answers", t.no_answers),
        ("auto-breaks", t.auto_breaks),
        ("overflows", t.overflows),
        ("barge-ins", t.barge_ins),
        ("IVR timeouts", t.ivr_timeouts),
        ("offers to tier 2+", t.tier_above_one_offers),
    ] {
        assert!(n > 0, "no {what}");
    }
}
