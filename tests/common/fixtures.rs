//! Requests the tests share, with the figures of the council's published plan.

use serde_json::{json, Value};

/// CFE SAV05 as the MTFS 2021-24 prints it.
pub fn sav05() -> Value {
    json!({
        "ref": "CFE SAV05", "kind": "saving", "directorate": "CFE",
        "title": "Reduction in the numbers of children in care", "owner": "Hannah Doughty",
        "description": "Reducing the numbers of children in care", "status": "agreed",
        "years": [
            {"year": "2021/22", "amount": "794000.00"},
            {"year": "2022/23", "amount": "1654000.00"},
            {"year": "2023/24", "amount": "1385000.00"}
        ]
    })
}
