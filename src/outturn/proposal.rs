//! The outturn proposed from a saving's last assessment of the year: one pure function, so that what it is
//! proposed from can change in one place.

use super::model::OutturnProposal;
use crate::domain::Money;
use crate::monitoring::model::Assessment;

/// From the last assessment of the year, against the saving's revised budget: delivered is the forecast
/// (at most the revised budget); slipped is the timing part of what is at risk (at most what is left); replaced
/// is the substitutes' sum (at most what is left); unachieved is the rest, the permanent part. Nothing is
/// proposed as written off: that takes a decision.
pub fn propose(revised_budget: Money, last: &Assessment) -> OutturnProposal {
    let capped = |amount: Money, room: Money| amount.max(Money::ZERO).min(room.max(Money::ZERO));
    let delivered = capped(last.forecast, revised_budget);
    let left = revised_budget - delivered;
    let slipped = capped(last.timing, left);
    let left = left - slipped;
    let substituted: Money = last.substitutes.iter().map(|s| s.amount).sum();
    let replaced = capped(substituted, left);
    OutturnProposal {
        from_period: last.period,
        delivered,
        slipped,
        slips_to: last.slips_to.filter(|_| !slipped.is_zero()),
        unachieved: (left - replaced).max(Money::ZERO),
        written_off: Money::ZERO,
        replaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::{Period, Rag, Substitute};
    use crate::domain::{FinancialYear, LineRef};

    fn money(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn assessment(planned: &str, at_risk: &str) -> Assessment {
        Assessment {
            year: FinancialYear::parse("2021/22").unwrap(),
            period: Period::parse("P12").unwrap(),
            line_ref: LineRef::parse("CFE SAV09").unwrap(),
            rag: Rag::Amber,
            planned: money(planned),
            forecast: money(planned) - money(at_risk),
            at_risk: money(at_risk),
            timing: Money::ZERO,
            permanent: money(at_risk),
            carried_from: None,
            reason: None,
            mitigation: None,
            substitutes: Vec::new(),
            slips_to: None,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn the_amount_at_risk_is_unachieved_unless_it_slips_or_is_replaced() {
        let sav09 = assessment("660000.00", "237000.00");
        let proposed = propose(money("660000.00"), &sav09);
        assert_eq!(
            (
                proposed.delivered,
                proposed.slipped,
                proposed.unachieved,
                proposed.replaced
            ),
            (
                money("423000.00"),
                Money::ZERO,
                money("237000.00"),
                Money::ZERO
            )
        );
        let slipping = Assessment {
            slips_to: Some(FinancialYear::parse("2022/23").unwrap()),
            timing: money("237000.00"),
            permanent: Money::ZERO,
            substitutes: vec![Substitute {
                line_ref: LineRef::parse("CFE SAV16").ok(),
                mitigation: None,
                amount: money("50000.00"),
            }],
            ..sav09.clone()
        };
        let proposed = propose(money("660000.00"), &slipping);
        assert_eq!(proposed.slipped, money("237000.00"));
        assert_eq!(
            proposed.slips_to.map(|y| y.to_string()).as_deref(),
            Some("2022/23")
        );
        assert_eq!(
            (proposed.replaced, proposed.unachieved),
            (Money::ZERO, Money::ZERO)
        );
        let replaced = Assessment {
            slips_to: None,
            timing: Money::ZERO,
            permanent: money("237000.00"),
            ..slipping
        };
        let proposed = propose(money("660000.00"), &replaced);
        assert_eq!(
            (proposed.replaced, proposed.unachieved),
            (money("50000.00"), money("187000.00"))
        );
    }

    #[test]
    fn a_forecast_above_a_revised_budget_is_capped_at_it() {
        // 100,000.00 written off since the assessment: its forecast of 660,000.00 is capped at the revised 560,000.00.
        let sav09 = assessment("660000.00", "0.00");
        let proposed = propose(money("560000.00"), &sav09);
        assert_eq!(
            (proposed.delivered, proposed.unachieved),
            (money("560000.00"), Money::ZERO)
        );
    }
}
