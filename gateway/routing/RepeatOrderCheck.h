#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gateway/routing/IdentityCheck.h"

namespace medbridge::routing {

// A warning for the ACK (AA with an ERR of severity W, MB-6001) when an ORM^O01 / OMG^O19 orders
// an examination this institution recognises a recent result of (docs/referral-workflow.md,
// "Shared results"): a result flagged recognised in a referral's shared-results List about the
// patient (found by any PID-3 identifier), with the same code as OBR-4 (DiagnosticReport.code,
// ImagingStudy.procedureCode), made within `validityDays` before `now`. The order is still taken.
std::optional<IdentityFinding> checkRepeatOrder(
    const mappings::hl7v2::Message& msg, const std::string& trigger, store::IStore& store,
    const mappings::identity::IdentifierSystems& systems, std::int64_t now, int validityDays);

}  // namespace medbridge::routing
