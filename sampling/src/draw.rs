//! The seeded, stratified draw with probability proportional to size.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::rng::{below, shuffle};
use crate::{needed, Plan, SamplingError, Stratification, Unit};

/// Inclusion probabilities are exact multiples of `1/TICKS` (2⁻⁴⁰ ≈ 9·10⁻¹³): the draw works in
/// integers so that the probability it reports is the probability it uses, to the last bit.
const TICKS: u128 = 1 << 40;
/// Rule factors become integer sizes in units of 2⁻²⁰ (a factor of 3.7 is 3.7 to 6 digits).
const SIZE_SCALE: f64 = (1u64 << 20) as f64;
/// The most calls one draw accepts. With sizes below 2³⁰ (factor ≤ 1000) every call of a
/// stratum of at most 2³⁰ calls gets at least one tick, i.e. a positive inclusion probability,
/// and all products stay below 2¹²⁸.
pub const MAX_POPULATION: usize = 1 << 30;

/// The outcome of [`draw`]: what was drawn per agent and stratum, and every drawn call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draw {
    /// One entry per agent with calls, sorted by agent name.
    pub per_agent: Vec<AgentDraw>,
    /// The drawn calls, by agent, then stratum (as in `per_agent`), then call id.
    pub items: Vec<Drawn>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentDraw {
    pub agent: String,
    /// The agent's calls in the period.
    pub population: u64,
    /// The sample size the target asks for ([`needed`]).
    pub needed: u32,
    /// Calls drawn; always equal to `needed`.
    pub drawn: u32,
    /// The agent's non-empty strata, sorted by key.
    pub strata: Vec<StratumDraw>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumDraw {
    /// E.g. `"queue=billing, call_type=inbound, duration=120–600 s"`, or `"all calls"` when the
    /// plan does not stratify.
    pub key: String,
    pub population: u64,
    /// The stratum's allocation `n_h`, all of which is drawn.
    pub drawn: u32,
}

/// A drawn call and its design weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drawn {
    pub call_id: i64,
    pub agent: String,
    pub team: Option<String>,
    /// The [`StratumDraw::key`] of the call's stratum.
    pub stratum: String,
    /// The probability `π` that this design draws this call, exactly (a multiple of 2⁻⁴⁰);
    /// 1 for calls drawn with certainty.
    pub inclusion_probability: f64,
    /// `1/π`: how many calls of the population this one stands for (Horvitz & Thompson 1952).
    pub weight: f64,
    /// The rules that made the call more likely to be drawn, e.g. `"rules[0]: longer than 600 s
    /// (×3)"`; empty for an ordinary call.
    pub reasons: Vec<String>,
}

/// Draws the calls QA reviews: per agent, a stratified sample with probability proportional to
/// size, every drawn call carrying its exact inclusion probability and weight.
///
/// For each agent (in name order):
///
/// 1. **Size.** `n = needed(target, N)` for the agent's `N` calls.
/// 2. **Strata.** The calls are split by queue, call type and duration band as the plan says
///    (a missing queue or call type is a stratum of its own).
/// 3. **Allocation.** `n` is shared proportionally to stratum size, `n·N_h/N`, by the largest
///    remainder method (Hamilton; ties go to the stratum first in key order). When `n` is at
///    least the number of strata, every stratum then gets at least one call: each stratum left
///    at 0 takes one from the stratum whose allocation exceeds its exact share `n·N_h/N` the most
///    among those with 2 or more. When `n` is smaller than the number of strata, some strata get
///    none and their calls cannot be drawn (probability 0): estimates then cover only the
///    represented strata, so keep the stratification coarse relative to the sample size.
///    An allocation never exceeds its stratum.
/// 4. **Draw within a stratum** with probability proportional to size (πps): the size `x_i` of a
///    call is the largest factor of the rules it matches, 1 if none. Calls with
///    `n_h·x_i/X_h ≥ 1` are taken with certainty (`π = 1`) and the rest recomputed with what is
///    left, until none reaches 1 (Särndal, Swensson & Wretman 1992, *Model Assisted Survey
///    Sampling*, §3.6); the others get `π_i = n'·x_i/X'`, summing to `n_h` exactly. The calls
///    are then drawn by systematic sampling over a random permutation ("randomized systematic
///    πps", Goodman & Kish 1950; Hartley & Rao 1962): lay the `π_i` end to end in random order,
///    pick a uniform start `u` in `[0, 1)`, and take the calls whose segment contains one of
///    `u, u + 1, …`. Each call is then drawn with probability exactly `π_i`, and exactly `n_h`
///    calls are drawn.
///
/// The probabilities are computed in integers, in units of 2⁻⁴⁰ (sizes in units of 2⁻²⁰, the
/// remainder of `n'·2⁴⁰` distributed by largest remainder), so the reported `π_i` is the one the
/// draw used and `Σπ_i = n_h` holds exactly.
///
/// **Reproducible.** The population is sorted by call id first (so database row order does not
/// matter), random numbers come from `ChaCha8Rng::seed_from_u64(seed)` (a value-stable,
/// portable stream) via integer rejection sampling, and agents and strata are visited in sorted
/// order. The same plan, seed and set of calls always give the same draw. One stream serves the
/// whole draw, so a change to any agent's calls changes the random choices of the agents after
/// it (their probabilities stay the same).
///
/// [`inclusion_probabilities`] gives the same design for every call, drawn or not.
///
/// Errors: an invalid plan (every problem listed), a call id that appears twice, a call with an
/// empty agent name, or more than [`MAX_POPULATION`] calls.
pub fn draw(plan: &Plan, population: &[Unit], seed: u64) -> Result<Draw, SamplingError> {
    let agents = design(plan, population)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut per_agent = Vec::with_capacity(agents.len());
    let mut items = Vec::new();
    for agent in agents {
        let mut strata = Vec::with_capacity(agent.strata.len());
        for stratum in agent.strata {
            let selected = systematic(&stratum.ticks, &mut rng);
            for ((unit, &t), chosen) in stratum.units.iter().zip(&stratum.ticks).zip(selected) {
                if chosen {
                    items.push(Drawn {
                        call_id: unit.call_id,
                        agent: agent.agent.to_owned(),
                        team: unit.team.clone(),
                        stratum: stratum.key.clone(),
                        inclusion_probability: probability(t),
                        // t ≥ 1 for a drawn call, so the weight is finite; exact up to one
                        // rounding of the division.
                        weight: TICKS as f64 / t as f64,
                        reasons: plan.reasons_for(unit),
                    });
                }
            }
            strata.push(StratumDraw {
                key: stratum.key,
                population: stratum.units.len() as u64,
                drawn: stratum.n,
            });
        }
        per_agent.push(AgentDraw {
            agent: agent.agent.to_owned(),
            population: agent.population,
            needed: agent.n,
            drawn: agent.n,
            strata,
        });
    }
    Ok(Draw { per_agent, items })
}

/// A call's inclusion probability under a plan, drawn or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inclusion {
    pub call_id: i64,
    pub agent: String,
    /// The [`StratumDraw::key`] of the call's stratum.
    pub stratum: String,
    /// Exactly the probability [`draw`] gives the call, whatever the seed.
    pub inclusion_probability: f64,
}

/// The inclusion probability of every call of `population` under `plan` (by agent, stratum and
/// call id, as [`draw`] visits them), without drawing: the design itself, for an audit of who
/// could have been drawn and how likely. Within each stratum they sum to its allocation exactly.
/// Errors as [`draw`].
pub fn inclusion_probabilities(
    plan: &Plan,
    population: &[Unit],
) -> Result<Vec<Inclusion>, SamplingError> {
    let mut out = Vec::with_capacity(population.len());
    for agent in design(plan, population)? {
        for stratum in agent.strata {
            for (unit, &t) in stratum.units.iter().zip(&stratum.ticks) {
                out.push(Inclusion {
                    call_id: unit.call_id,
                    agent: agent.agent.to_owned(),
                    stratum: stratum.key.clone(),
                    inclusion_probability: probability(t),
                });
            }
        }
    }
    Ok(out)
}

/// `t/2⁴⁰`, exact: `t ≤ 2⁴⁰` and powers of two are exact in an f64.
fn probability(ticks: u64) -> f64 {
    ticks as f64 / TICKS as f64
}

/// Steps 1–4 of [`draw`] short of the random choice.
struct AgentDesign<'a> {
    agent: &'a str,
    population: u64,
    n: u32,
    strata: Vec<StratumDesign<'a>>,
}

struct StratumDesign<'a> {
    key: String,
    /// The allocation `n_h`.
    n: u32,
    /// In call-id order.
    units: Vec<&'a Unit>,
    /// Inclusion probability of each unit, in units of 2⁻⁴⁰.
    ticks: Vec<u64>,
}

fn design<'a>(plan: &Plan, population: &'a [Unit]) -> Result<Vec<AgentDesign<'a>>, SamplingError> {
    plan.validate()
        .map_err(|problems| SamplingError::InvalidPlan { problems })?;
    if population.len() > MAX_POPULATION {
        return Err(SamplingError::PopulationTooLarge {
            size: population.len(),
            max: MAX_POPULATION,
        });
    }
    let mut units: Vec<&Unit> = population.iter().collect();
    units.sort_by_key(|unit| unit.call_id);
    for pair in units.windows(2) {
        if pair[0].call_id == pair[1].call_id {
            return Err(SamplingError::DuplicateCallId {
                call_id: pair[0].call_id,
            });
        }
    }
    let mut by_agent: BTreeMap<&str, Vec<&Unit>> = BTreeMap::new();
    for &unit in &units {
        if unit.agent.is_empty() {
            return Err(SamplingError::MissingAgent {
                call_id: unit.call_id,
            });
        }
        by_agent.entry(&unit.agent).or_default().push(unit);
    }

    let mut agents = Vec::with_capacity(by_agent.len());
    for (agent, calls) in by_agent {
        let population = calls.len() as u64;
        let n = needed(&plan.target, population)?;
        let mut strata: BTreeMap<StratumKey<'_>, Vec<&Unit>> = BTreeMap::new();
        for &unit in &calls {
            strata
                .entry(StratumKey::of(&plan.strata, unit))
                .or_default()
                .push(unit);
        }
        let sizes: Vec<u64> = strata.values().map(|calls| calls.len() as u64).collect();
        let allocation = allocate(u64::from(n), &sizes);
        let strata = strata
            .into_iter()
            .zip(allocation)
            .map(|((key, units), n_h)| {
                let sizes: Vec<u64> = units
                    .iter()
                    .map(|unit| scaled_size(plan.size_of(unit)))
                    .collect();
                StratumDesign {
                    key: key.label(&plan.strata.duration_edges_s),
                    // n_h ≤ n, which is a u32.
                    n: u32::try_from(n_h).unwrap_or(u32::MAX),
                    ticks: pps_ticks(n_h, &sizes),
                    units,
                }
            })
            .collect();
        agents.push(AgentDesign {
            agent,
            population,
            n,
            strata,
        });
    }
    Ok(agents)
}

/// A call's stratum: each part is `None` when the plan does not stratify by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct StratumKey<'a> {
    queue: Option<Option<&'a str>>,
    call_type: Option<Option<&'a str>>,
    band: Option<usize>,
}

impl<'a> StratumKey<'a> {
    fn of(strata: &Stratification, unit: &'a Unit) -> Self {
        let edges = &strata.duration_edges_s;
        StratumKey {
            queue: strata.by_queue.then_some(unit.queue.as_deref()),
            call_type: strata.by_call_type.then_some(unit.call_type.as_deref()),
            // Band i holds durations in [edges[i-1], edges[i]).
            band: (!edges.is_empty())
                .then(|| edges.iter().take_while(|&&e| e <= unit.duration_s).count()),
        }
    }

    fn label(&self, edges: &[u32]) -> String {
        let mut parts = Vec::new();
        if let Some(queue) = self.queue {
            parts.push(format!("queue={}", queue.unwrap_or("(none)")));
        }
        if let Some(call_type) = self.call_type {
            parts.push(format!("call_type={}", call_type.unwrap_or("(none)")));
        }
        if let Some(band) = self.band {
            let text = match (band.checked_sub(1).map(|i| edges[i]), edges.get(band)) {
                (None, Some(high)) => format!("<{high} s"),
                (Some(low), Some(high)) => format!("{low}–{high} s"),
                (Some(low), None) => format!("≥{low} s"),
                (None, None) => "any".to_owned(),
            };
            parts.push(format!("duration={text}"));
        }
        if parts.is_empty() {
            "all calls".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

fn scaled_size(factor: f64) -> u64 {
    // factor ∈ [1, MAX_FACTOR] (validated), so this is in [2²⁰, 1000·2²⁰].
    (factor * SIZE_SCALE).round() as u64
}

/// Splits `n` over strata of the given sizes proportionally (largest remainder), then gives
/// every stratum at least one when `n ≥ sizes.len()`; see [`draw`], step 3. Requires
/// `n ≤ Σ sizes` and every size ≥ 1; the result sums to `n` and never exceeds a size.
pub(crate) fn allocate(n: u64, sizes: &[u64]) -> Vec<u64> {
    let total: u64 = sizes.iter().sum();
    if total == 0 {
        return vec![0; sizes.len()];
    }
    let (n, total) = (u128::from(n), u128::from(total));
    // Exact share n·N_h/N = floor + remainder/N.
    let mut allocation: Vec<u128> = sizes.iter().map(|&s| n * u128::from(s) / total).collect();
    let remainders: Vec<u128> = sizes.iter().map(|&s| n * u128::from(s) % total).collect();
    let left = n - allocation.iter().sum::<u128>();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    // Largest remainder first; the stable sort keeps key order among equals.
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]));
    for &h in order.iter().take(left as usize) {
        allocation[h] += 1;
    }

    if n >= sizes.len() as u128 {
        for h in 0..sizes.len() {
            if allocation[h] > 0 {
                continue;
            }
            // Excess over the exact share, scaled by N: n_h·N − n·N_h (compared as signed).
            let excess =
                |g: usize| (allocation[g] * total) as i128 - (n * u128::from(sizes[g])) as i128;
            // A donor with ≥ 2 exists: the other strata hold n ≥ H calls among ≤ H − 1 of them.
            let donor = (0..sizes.len())
                .filter(|&g| allocation[g] >= 2)
                .reduce(|best, g| if excess(g) > excess(best) { g } else { best });
            if let Some(g) = donor {
                allocation[g] -= 1;
                allocation[h] += 1;
            }
        }
    }
    // Each value is at most n, a u64.
    allocation.into_iter().map(|a| a as u64).collect()
}

/// Inclusion probabilities, in ticks of 2⁻⁴⁰, for drawing `n` of the units with integer sizes
/// `sizes` (each ≥ 1) with probability proportional to size; see [`draw`], step 4. Certain units
/// get `TICKS`; the ticks sum to `n·TICKS` and none exceeds `TICKS`. Requires `n ≤ sizes.len()`.
pub(crate) fn pps_ticks(n: u64, sizes: &[u64]) -> Vec<u64> {
    let n = u128::from(n).min(sizes.len() as u128);
    let mut certain = vec![false; sizes.len()];
    let (mut rest_n, mut rest_x) = (n, sizes.iter().map(|&s| u128::from(s)).sum::<u128>());
    // Mark all units with rest_n·x_i ≥ X' at once, then recompute with what is left. Each pass
    // either marks a unit or stops; units remaining once rest_n reaches 0 is impossible (the
    // marked units' sizes would have to add up to X' already).
    while rest_n > 0 && rest_x > 0 {
        let newly: Vec<usize> = (0..sizes.len())
            .filter(|&i| !certain[i] && rest_n * u128::from(sizes[i]) >= rest_x)
            .collect();
        if newly.is_empty() {
            break;
        }
        for i in newly {
            certain[i] = true;
            rest_n -= 1;
            rest_x -= u128::from(sizes[i]);
            if rest_n == 0 {
                break;
            }
        }
    }

    let mut ticks = vec![0u128; sizes.len()];
    let mut remainders = vec![0u128; sizes.len()];
    for i in 0..sizes.len() {
        if certain[i] {
            ticks[i] = TICKS;
        } else {
            // rest_x > 0 whenever an uncertain unit remains (sizes are ≥ 1).
            let exact = rest_n * u128::from(sizes[i]) * TICKS;
            ticks[i] = exact.checked_div(rest_x).unwrap_or(0);
            remainders[i] = exact.checked_rem(rest_x).unwrap_or(0);
        }
    }
    let left = n * TICKS - ticks.iter().sum::<u128>();
    let mut order: Vec<usize> = (0..sizes.len()).filter(|&i| !certain[i]).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]));
    for &i in order.iter().take(left as usize) {
        ticks[i] += 1;
    }
    // Each value is at most TICKS = 2⁴⁰.
    ticks.into_iter().map(|t| t as u64).collect()
}

/// Randomized systematic sampling: which units are drawn, given their inclusion ticks (each at
/// most `TICKS`, summing to a multiple of `TICKS`). Units at `TICKS` are taken without using the
/// generator; if none remain to be drawn, the generator is not used at all.
fn systematic(ticks: &[u64], rng: &mut ChaCha8Rng) -> Vec<bool> {
    let mut selected: Vec<bool> = ticks.iter().map(|&t| u128::from(t) == TICKS).collect();
    let mut order: Vec<usize> = (0..ticks.len())
        .filter(|&i| !selected[i] && ticks[i] > 0)
        .collect();
    if order.is_empty() {
        return selected;
    }
    shuffle(rng, &mut order);
    // Start point u uniform on the TICKS integers of [0, 1); points u, u + 1, … (in ticks).
    let mut point = u128::from(below(rng, TICKS as u64));
    let mut end = 0u128;
    for i in order {
        end += u128::from(ticks[i]);
        // Segments are at most one unit long, so each holds at most one point.
        if point < end {
            selected[i] = true;
            point += TICKS;
        }
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_proportional_by_largest_remainder() {
        // n = 10 over sizes 50, 30, 20: shares 5, 3, 2 exactly.
        assert_eq!(allocate(10, &[50, 30, 20]), vec![5, 3, 2]);
        // n = 10 over 45, 35, 20: shares 4.5, 3.5, 2.0 → floors 4, 3, 2 (9), one left; the tie
        // between the .5 remainders goes to the first stratum.
        assert_eq!(allocate(10, &[45, 35, 20]), vec![5, 3, 2]);
    }

    #[test]
    fn every_stratum_gets_one_when_n_allows() {
        // n = 3 over 97, 2, 1: shares 2.91, 0.06, 0.03 → 3, 0, 0; both empty strata take one
        // from the first.
        assert_eq!(allocate(3, &[97, 2, 1]), vec![1, 1, 1]);
        // n = 2 < 3 strata: proportional only.
        assert_eq!(allocate(2, &[97, 2, 1]), vec![2, 0, 0]);
    }

    #[test]
    fn certainty_units_are_removed_and_the_rest_recomputed() {
        // n = 2, sizes 10, 1, 1, 1, 1: 2·10/14 ≥ 1, so the first is certain; then n' = 1 over
        // X' = 4, π = 1/4 each.
        let t = pps_ticks(2, &[10, 1, 1, 1, 1]);
        let quarter = (TICKS / 4) as u64;
        assert_eq!(t, vec![TICKS as u64, quarter, quarter, quarter, quarter]);
    }

    #[test]
    fn systematic_draws_exactly_n() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let ticks = pps_ticks(3, &[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            ticks.iter().map(|&t| u128::from(t)).sum::<u128>(),
            3 * TICKS
        );
        for _ in 0..100 {
            let s = systematic(&ticks, &mut rng);
            assert_eq!(s.iter().filter(|&&b| b).count(), 3);
        }
    }
}
