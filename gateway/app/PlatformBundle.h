#pragma once

#include <string>
#include <vector>

#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// The tag that carries a change's per-patient sequence number (code) and patient (display).
constexpr const char* kSequenceSystem = "urn:medbridge:patient-sequence";

// The transaction Bundle that delivers these changes: each entry the version as written, with
// its meta.versionId and meta.lastUpdated, tagged with its patient's sequence number, PUT to
// Type/id (DELETE for a deleted version) — so the same change sent again is the same content and
// makes no new version. patientsByRegionalKey (to the platform): a Patient with a regional key
// (mappings/identity/RegionalKey.h) is a conditional update on it, without its local id, and
// every reference to a local Patient becomes a reference to that Patient on the platform: its
// entry's fullUrl within the Bundle, else the conditional reference. today: YYYY-MM-DD.
std::string platformBundle(const std::vector<store::Delivery>& batch, store::IStore& store,
                           const mappings::identity::IdentifierSystems& systems,
                           const std::string& today, bool patientsByRegionalKey);

}  // namespace medbridge::app
