//! The CFE 2021–24 lines as approved in February 2021 (the demo dataset, `data/demo/cfe-2021-24.json`), as the
//! report builders' unit tests start from them. Refs the papers did not print are the ones `load-demo` assigns.

use time::macros::datetime;

use crate::domain::{
    DirectorateCode, FinancialYear, LineKind, LineNature, LineRef, LineStatus, Money, YearAmount,
};
use crate::lines::model::Line;

/// (ref, nature, title, 2021/22, 2022/23, 2023/24), in whole pounds.
type Printed = (&'static str, LineNature, &'static str, [i64; 3]);

const ONGOING: LineNature = LineNature::Ongoing;

const LINES: [Printed; 21] = [
    (
        "CFE SAV02",
        ONGOING,
        "Reconfiguration of Early Help Services",
        [424_000, 185_000, 0],
    ),
    (
        "CFE SAV03",
        ONGOING,
        "Reconfiguration of Adolescent Services",
        [1_608_000, 0, 0],
    ),
    (
        "CFE SAV04",
        ONGOING,
        "Review of Children with Disabilities Care Packages",
        [384_000, 384_000, 384_000],
    ),
    (
        "CFE SAV05",
        ONGOING,
        "Reduction in the numbers of children in care",
        [794_000, 1_654_000, 1_385_000],
    ),
    (
        "CFE SAV06",
        ONGOING,
        "Review Support for Young People where Appropriate",
        [295_000, 560_000, 142_000],
    ),
    (
        "CFE SAV07",
        ONGOING,
        "Improve Practice System Efficiency",
        [1_065_000, 1_450_000, 385_000],
    ),
    (
        "CFE SAV08",
        ONGOING,
        "Embed Systemic Practice Model",
        [272_000, 0, 0],
    ),
    (
        "CFE SAV15",
        ONGOING,
        "Release of one off investment / full year effect",
        [1_462_000, 0, 0],
    ),
    ("CFE SAV16", ONGOING, "Staffing Review", [1_471_000, 0, 0]),
    (
        "CFE SAV09",
        ONGOING,
        "Review Children's Centres Delivery Model",
        [660_000, 240_000, 0],
    ),
    (
        "CFE SAV10",
        ONGOING,
        "Reduce Non-Statutory Education Functions",
        [587_000, 221_000, 0],
    ),
    (
        "CFE SAV12",
        ONGOING,
        "Early Learning Collaboration Contract",
        [82_000, 0, 0],
    ),
    (
        "CFE SAV14",
        ONGOING,
        "Cease Family Group Conference Service",
        [203_000, 0, 0],
    ),
    (
        "CFE SAV13",
        ONGOING,
        "Croydon Music & Arts (CMA)",
        [126_000, 0, 0],
    ),
    (
        "CFE GRO01",
        ONGOING,
        "Children Looked After Placements - fund demographic and cost pressures",
        [8_211_000, 85_000, 77_000],
    ),
    (
        "CFE GRO02",
        ONGOING,
        "Leaving Care - fund Demographic and Cost pressures",
        [2_031_000, 0, 0],
    ),
    (
        "CFE GRO09",
        ONGOING,
        "Asylum Seekers Budget Correction",
        [220_000, 0, 0],
    ),
    (
        "CFE GRO03",
        ONGOING,
        "Children with Disabilities - fund Demographic pressures",
        [6_477_000, 0, 0],
    ),
    (
        "CFE GRO08",
        ONGOING,
        "Realignment of Budgets where other funding has ceased",
        [1_719_000, 0, 0],
    ),
    (
        "CFE GRO07",
        ONGOING,
        "Realignment of Budgets from 2020/21",
        [909_000, 0, 0],
    ),
    (
        "CFE GRO04",
        LineNature::OneOff,
        "SEND Strategy - support inclusion and achievement",
        [866_000, 0, 0],
    ),
];

pub fn money(text: &str) -> Money {
    Money::parse(text).unwrap()
}

pub fn year(text: &str) -> FinancialYear {
    FinancialYear::parse(text).unwrap()
}

pub fn line_ref(text: &str) -> LineRef {
    LineRef::parse(text).unwrap()
}

pub fn cfe() -> DirectorateCode {
    DirectorateCode::parse("CFE").unwrap()
}

/// Every CFE line, agreed, in ref order as the tracker lists them.
pub fn lines() -> Vec<Line> {
    let mut lines: Vec<Line> = LINES
        .iter()
        .map(|&(text, nature, title, pounds)| {
            let line_ref = line_ref(text);
            let years: Vec<YearAmount> = ["2021/22", "2022/23", "2023/24"]
                .into_iter()
                .zip(pounds)
                .map(|(y, pounds)| YearAmount {
                    year: year(y),
                    amount: Money::from_pence(pounds * 100),
                })
                .collect();
            Line {
                kind: if text.contains("SAV") {
                    LineKind::Saving
                } else {
                    LineKind::Growth
                },
                directorate: line_ref.directorate().clone(),
                line_ref,
                title: title.to_owned(),
                owner: None,
                description: title.to_owned(),
                status: LineStatus::Agreed,
                nature,
                withdrawal_reason: None,
                total: years.iter().map(|e| e.amount).sum(),
                years,
                created_at: datetime!(2021-02-22 10:00 UTC),
                updated_at: datetime!(2021-02-22 10:00 UTC),
                version: 1,
            }
        })
        .collect();
    lines.sort_by(|a, b| a.line_ref.cmp(&b.line_ref));
    lines
}

/// One line of [`lines`], by ref.
pub fn line(text: &str) -> Line {
    let wanted = line_ref(text);
    lines().into_iter().find(|l| l.line_ref == wanted).unwrap()
}
