#pragma once
// A remote-consultation application from the HIS (docs/consultation-workflow.md, "Applications
// from the HIS"): a ServiceRequest whose code is a consultation service type. REF^I12 names the
// parties in PRD segments, OMG^O19 in PRT segments; both end here. The workflow Task is proposed
// to the platform by the gateway, not mapped.
#include <string>
#include <vector>

#include "mappings/hl7v2/MapState.h"

namespace medbridge::mappings::hl7v2 {

struct ApplicationParty {
  std::string role;        // "RP" referring (the requester), "RT" referred to (the invited side)
  std::string reference;   // "PractitionerRole/<id>" or "Organization/<id>" on the platform
  std::string department;  // the invited department's code (MBDEPT), "" when not given
};

// True when the ServiceRequest's code is in the consultation service types (MBCST).
bool isConsultationService(const Value& sr);

// Makes `sr` a consultation application: category consultation, requester and performers from
// the parties, performerType from the first invited department, occurrence = the suggested time
// (kept as mapped when `suggested` is "").
void consultationApplication(MapState& s, Value& sr, const std::string& suggested,
                             const std::vector<ApplicationParty>& parties);

}  // namespace medbridge::mappings::hl7v2
