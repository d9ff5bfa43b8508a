//! The tables, written by hand: the same on both backends (see `migrations/sqlite` and `migrations/postgres`).

diesel::table! {
    directorates (code) {
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lines (line_ref) {
        line_ref -> Text,
        directorate -> Text,
        kind -> Text,
        ref_number -> Integer,
        title -> Text,
        owner -> Nullable<Text>,
        description -> Text,
        status -> Text,
        nature -> Text,
        withdrawal_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        body -> Nullable<Text>,
        body_format -> Integer,
        body_version -> Nullable<BigInt>,
    }
}

diesel::table! {
    line_years (line_ref, year_start) {
        line_ref -> Text,
        year_start -> Integer,
        amount_pence -> BigInt,
    }
}

diesel::joinable!(lines -> directorates (directorate));
diesel::joinable!(line_years -> lines (line_ref));
diesel::allow_tables_to_appear_in_same_query!(directorates, lines, line_years);

diesel::table! {
    api_keys (name) {
        name -> Text,
        key_id -> Text,
        secret_hash -> Text,
        role -> Text,
        directorates -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        person -> Text,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        entity -> Text,
        entity_ref -> Text,
        action -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        reason -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        chain_hash -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (actor, idempotency_key) {
        actor -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response_body -> Text,
        location -> Nullable<Text>,
        created_at -> Timestamp,
        etag -> Nullable<Text>,
    }
}

diesel::table! {
    monitoring_periods (year_start, period) {
        year_start -> Integer,
        period -> Integer,
        as_at -> Date,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assessments (year_start, period, line_ref) {
        year_start -> Integer,
        period -> Integer,
        line_ref -> Text,
        rag -> Text,
        planned_pence -> BigInt,
        forecast_pence -> BigInt,
        at_risk_pence -> BigInt,
        reason -> Nullable<Text>,
        mitigation -> Nullable<Text>,
        substitutes -> Text,
        slips_to -> Nullable<Integer>,
        updated_at -> Timestamp,
        version -> BigInt,
        timing_pence -> BigInt,
        permanent_pence -> BigInt,
        carried_from -> Nullable<Integer>,
    }
}

diesel::joinable!(assessments -> lines (line_ref));
diesel::allow_tables_to_appear_in_same_query!(assessments, lines, monitoring_periods);
diesel::allow_tables_to_appear_in_same_query!(assessments, line_years);

diesel::table! {
    dsg_balances (year_start, block) {
        year_start -> Integer,
        block -> Text,
        opening_pence -> BigInt,
        movement_pence -> BigInt,
        closing_reported_pence -> Nullable<BigInt>,
        allocation_pence -> Nullable<BigInt>,
        expenditure_pence -> Nullable<BigInt>,
        note -> Nullable<Text>,
        updated_at -> Timestamp,
        version -> BigInt,
        allocation_before_recoupment_pence -> Nullable<BigInt>,
    }
}

diesel::table! {
    dsg_transfers (id) {
        id -> BigInt,
        year_start -> Integer,
        from_block -> Text,
        to_block -> Text,
        amount_pence -> BigInt,
        approved_by -> Text,
        reference -> Text,
        created_at -> Timestamp,
        forum_decision_id -> Nullable<BigInt>,
        forum_outcome -> Nullable<Text>,
        secretary_of_state_decision_id -> Nullable<BigInt>,
        limit_base_pence -> Nullable<BigInt>,
    }
}

diesel::table! {
    dsg_plans (name) {
        name -> Text,
        agreed_by -> Text,
        agreed_on -> Date,
        submitted_on -> Nullable<Date>,
        balanced_in -> Integer,
        movements -> Text,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    line_totals (directorate, kind, nature, withdrawn, year_start) {
        directorate -> Text,
        kind -> Text,
        nature -> Text,
        withdrawn -> Bool,
        year_start -> Integer,
        amount_pence -> BigInt,
        entries -> Integer,
        nonzero_entries -> Integer,
    }
}

diesel::table! {
    at_risk_totals (year_start, period, directorate, withdrawn) {
        year_start -> Integer,
        period -> Integer,
        directorate -> Text,
        withdrawn -> Bool,
        at_risk_pence -> BigInt,
        entries -> Integer,
        planned_pence -> BigInt,
        forecast_pence -> BigInt,
        timing_pence -> BigInt,
        ongoing_pence -> BigInt,
    }
}

diesel::table! {
    line_states (line_ref, version) {
        line_ref -> Text,
        version -> BigInt,
        valid_from -> Timestamp,
        valid_to -> Nullable<Timestamp>,
        directorate -> Text,
        kind -> Text,
        ref_number -> Integer,
        title -> Text,
        owner -> Nullable<Text>,
        description -> Text,
        status -> Text,
        nature -> Text,
        withdrawal_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        body -> Nullable<Text>,
        body_format -> Integer,
    }
}

diesel::table! {
    line_state_years (line_ref, version, year_start) {
        line_ref -> Text,
        version -> BigInt,
        year_start -> Integer,
        amount_pence -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(line_states, line_state_years);

diesel::table! {
    assessment_states (year_start, period, line_ref, version) {
        year_start -> Integer,
        period -> Integer,
        line_ref -> Text,
        version -> BigInt,
        valid_from -> Timestamp,
        valid_to -> Nullable<Timestamp>,
        rag -> Text,
        planned_pence -> BigInt,
        forecast_pence -> BigInt,
        at_risk_pence -> BigInt,
        reason -> Nullable<Text>,
        mitigation -> Nullable<Text>,
        substitutes -> Text,
        slips_to -> Nullable<Integer>,
        updated_at -> Timestamp,
        timing_pence -> BigInt,
        permanent_pence -> BigInt,
        carried_from -> Nullable<Integer>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(assessment_states, lines);

diesel::table! {
    line_total_states (directorate, kind, nature, withdrawn, year_start, valid_from) {
        directorate -> Text,
        kind -> Text,
        nature -> Text,
        withdrawn -> Bool,
        year_start -> Integer,
        valid_from -> Timestamp,
        amount_pence -> BigInt,
        entries -> Integer,
    }
}

diesel::table! {
    line_total_keys (directorate, kind, nature, withdrawn, year_start) {
        directorate -> Text,
        kind -> Text,
        nature -> Text,
        withdrawn -> Bool,
        year_start -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(line_total_states, line_total_keys);

diesel::table! {
    at_risk_total_states (year_start, period, directorate, withdrawn, valid_from) {
        year_start -> Integer,
        period -> Integer,
        directorate -> Text,
        withdrawn -> Bool,
        valid_from -> Timestamp,
        at_risk_pence -> BigInt,
        entries -> Integer,
        planned_pence -> BigInt,
        forecast_pence -> BigInt,
        timing_pence -> BigInt,
        ongoing_pence -> BigInt,
    }
}

diesel::table! {
    at_risk_total_keys (year_start, period, directorate, withdrawn) {
        year_start -> Integer,
        period -> Integer,
        directorate -> Text,
        withdrawn -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(at_risk_total_states, at_risk_total_keys);

diesel::table! {
    states_complete (one) {
        one -> Integer,
        from_instant -> Nullable<Timestamp>,
    }
}

diesel::table! {
    decisions (id) {
        id -> BigInt,
        body -> Text,
        body_name -> Nullable<Text>,
        decided_on -> Date,
        reference -> Text,
        summary -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    baselines (name) {
        name -> Text,
        decision_id -> BigInt,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    baseline_lines (baseline, line_ref) {
        baseline -> Text,
        line_ref -> Text,
        directorate -> Text,
        kind -> Text,
        title -> Text,
    }
}

diesel::table! {
    baseline_years (baseline, line_ref, year_start) {
        baseline -> Text,
        line_ref -> Text,
        year_start -> Integer,
        amount_pence -> BigInt,
    }
}

diesel::joinable!(baselines -> decisions (decision_id));
diesel::allow_tables_to_appear_in_same_query!(decisions, baselines, baseline_lines, baseline_years);

diesel::table! {
    baseline_totals (baseline, directorate, kind, year_start) {
        baseline -> Text,
        directorate -> Text,
        kind -> Text,
        year_start -> Integer,
        amount_pence -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(baselines, baseline_totals);

diesel::table! {
    change_sets (id) {
        id -> BigInt,
        reason -> Text,
        status -> Text,
        proposed_by -> Text,
        proposer -> Text,
        proposed_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decider -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_id -> Nullable<BigInt>,
        outcome_reason -> Nullable<Text>,
        not_stated -> Text,
    }
}

diesel::table! {
    change_set_absences (change_set, line_ref) {
        change_set -> BigInt,
        line_ref -> Text,
        base_version -> BigInt,
        disposition -> Nullable<Text>,
        reason -> Nullable<Text>,
        merged_into -> Nullable<Text>,
        funding_source -> Nullable<Text>,
        funding_ref -> Nullable<Text>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    change_requests (change_set, line_ref, field) {
        change_set -> BigInt,
        line_ref -> Text,
        field -> Text,
        proposed -> Text,
        base_version -> BigInt,
        open -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(change_sets, change_requests, change_set_absences);
diesel::allow_tables_to_appear_in_same_query!(change_set_absences, lines);
diesel::allow_tables_to_appear_in_same_query!(baseline_lines, lines);

diesel::table! {
    write_offs (id) {
        id -> BigInt,
        line_ref -> Text,
        directorate -> Text,
        decision_id -> BigInt,
        reason -> Text,
        funding_source -> Text,
        funding_ref -> Nullable<Text>,
        recorded_by -> Text,
        recorder -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    write_off_years (write_off, year_start) {
        write_off -> BigInt,
        year_start -> Integer,
        amount_pence -> BigInt,
    }
}

diesel::joinable!(write_off_years -> write_offs (write_off));
diesel::allow_tables_to_appear_in_same_query!(write_offs, write_off_years);

diesel::table! {
    mitigations (id) {
        id -> BigInt,
        directorate -> Text,
        year_start -> Integer,
        kind -> Text,
        amount_pence -> BigInt,
        source -> Text,
        decision_id -> BigInt,
        found_by -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    substitute_claims (year_start, period, line_ref, position) {
        year_start -> Integer,
        period -> Integer,
        line_ref -> Text,
        position -> Integer,
        source_ref -> Nullable<Text>,
        mitigation_id -> Nullable<BigInt>,
        amount_pence -> BigInt,
    }
}

diesel::table! {
    outturns (year_start, line_ref) {
        year_start -> Integer,
        line_ref -> Text,
        directorate -> Text,
        revised_budget_pence -> BigInt,
        delivered_pence -> BigInt,
        slipped_pence -> BigInt,
        slips_to -> Nullable<Integer>,
        unachieved_pence -> BigInt,
        written_off_pence -> BigInt,
        decision_id -> Nullable<BigInt>,
        replaced_pence -> BigInt,
        carried_to -> Nullable<Text>,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorder -> Text,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    outturn_years (year_start) {
        year_start -> Integer,
        status -> Text,
        decision_id -> BigInt,
        reason -> Nullable<Text>,
        changed_by -> Text,
        changed_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    return_receipts (year_start, period, directorate, received_at) {
        year_start -> Integer,
        period -> Integer,
        directorate -> Text,
        received_at -> Timestamp,
        received_by -> Text,
        person -> Text,
        rows_read -> Integer,
        created -> Integer,
        revised -> Integer,
        unchanged -> Integer,
    }
}

diesel::table! {
    people (id) {
        id -> BigInt,
        name -> Text,
        role -> Nullable<Text>,
        email -> Nullable<Text>,
        directorate -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    person_aliases (alias_key, person_id, kind) {
        alias_key -> Text,
        person_id -> BigInt,
        kind -> Text,
        alias -> Text,
    }
}

diesel::table! {
    actions (id) {
        id -> BigInt,
        line_ref -> Text,
        action_ref -> Text,
        directorate -> Text,
        text -> Text,
        critical -> Bool,
        status -> Nullable<Text>,
        status_as_printed -> Nullable<Text>,
        due -> Nullable<Text>,
        due_by -> Nullable<Date>,
        due_as_printed -> Nullable<Text>,
        original_due -> Nullable<Text>,
        original_due_by -> Nullable<Date>,
        original_due_as_printed -> Nullable<Text>,
        completed_on -> Nullable<Date>,
        milestone -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    action_owners (action_id, position) {
        action_id -> BigInt,
        position -> Integer,
        printed -> Text,
        person_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    action_dependencies (action_id, depends_on) {
        action_id -> BigInt,
        depends_on -> BigInt,
    }
}

diesel::table! {
    action_dues (action_id, position) {
        action_id -> BigInt,
        position -> Integer,
        due -> Nullable<Text>,
        due_by -> Nullable<Date>,
        due_as_printed -> Nullable<Text>,
        reason -> Nullable<Text>,
        changed_at -> Timestamp,
        changed_by -> Text,
    }
}

diesel::joinable!(person_aliases -> people (person_id));
diesel::joinable!(action_owners -> people (person_id));
diesel::joinable!(action_owners -> actions (action_id));
diesel::allow_tables_to_appear_in_same_query!(
    people,
    person_aliases,
    action_owners,
    actions,
    action_dues,
    action_dependencies
);
