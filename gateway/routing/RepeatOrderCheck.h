#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gateway/routing/IdentityCheck.h"

namespace medbridge::routing {

// A warning for the ACK (AA with an ERR of severity W, MB-6001) when an ORM^O01 / OMG^O19 orders
// an examination this institution recognises a recent result of (docs/referral-workflow.md,
// "Shared results"): a result flagged recognised in a referral's shared-results List about the
// patient (found by any PID-3 identifier), with the same code as OBR-4 (DiagnosticReport.code,
// ImagingStudy.procedureCode), made within `validityDays` before `now`. The order is still taken.
// A code as ordered: its system ("" when not said) and code.
using OrderedCode = std::pair<std::string, std::string>;

// A recognised result that a new order would repeat.
struct RecognisedResult {
  std::string code, when, item, list;  // the code matched, when made, "Type/id", the List id
  std::string describe() const;        // "'24627-2' was done on 2026-11-14 (…, shared with …)"
};

// The first result flagged recognised in a shared-results List about one of `patients`
// ("Patient/<id>") with one of `codes` (systems must agree when both are said), made within
// `validityDays` before `now`.
std::optional<RecognisedResult> findRecognisedResult(store::IStore& store,
                                                     const std::set<std::string>& patients,
                                                     const std::vector<OrderedCode>& codes,
                                                     std::int64_t now, int validityDays);

// Every Patient here holding one of `patient`'s identifiers ("Patient/<id>"), `patient` included.
std::set<std::string> samePatients(store::IStore& store, const std::string& patient);

std::optional<IdentityFinding> checkRepeatOrder(
    const mappings::hl7v2::Message& msg, const std::string& trigger, store::IStore& store,
    const mappings::identity::IdentifierSystems& systems, std::int64_t now, int validityDays);

}  // namespace medbridge::routing
