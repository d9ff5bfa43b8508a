//! How far a due date has moved: in days, and in calendar months as a plan speaks of it (30 June to 31 August
//! is two months: a month's last day is the same point of any month).

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

/// How far a due date moved from the first one: later is positive, brought forward negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Slip {
    pub days: i64,
    /// Whole calendar months (a month's last day counts as the same day as any other month's last day).
    pub months: i32,
}

impl Slip {
    pub fn between(original: Date, current: Date) -> Slip {
        let days = (current - original).whole_days();
        let months = if current >= original {
            whole_months(original, current)
        } else {
            -whole_months(current, original)
        };
        Slip { days, months }
    }
}

/// Whole months from `from` to `to` (`to` not earlier).
fn whole_months(from: Date, to: Date) -> i32 {
    let mut months = (to.year() - from.year()) * 12 + i32::from(u8::from(to.month()))
        - i32::from(u8::from(from.month()));
    let to_is_month_end = to.day() == to.month().length(to.year());
    if to.day() < from.day() && !to_is_month_end {
        months -= 1;
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_sav09_cabinet_decision_slipped_62_days_two_months() {
        let slip = Slip::between(date!(2021 - 06 - 30), date!(2021 - 08 - 31));
        assert_eq!(
            slip,
            Slip {
                days: 62,
                months: 2
            }
        );
    }

    #[test]
    fn months_count_month_ends_alike_and_short_moves_as_none() {
        assert_eq!(
            Slip::between(date!(2021 - 08 - 31), date!(2021 - 09 - 30)).months,
            1
        );
        assert_eq!(
            Slip::between(date!(2021 - 06 - 15), date!(2021 - 07 - 14)).months,
            0
        );
        assert_eq!(
            Slip::between(date!(2021 - 06 - 15), date!(2021 - 07 - 15)).months,
            1
        );
        let back = Slip::between(date!(2021 - 08 - 31), date!(2021 - 06 - 30));
        assert_eq!(
            back,
            Slip {
                days: -62,
                months: -2
            }
        );
        assert_eq!(
            Slip::between(date!(2021 - 06 - 30), date!(2021 - 06 - 30)),
            Slip { days: 0, months: 0 }
        );
    }
}
