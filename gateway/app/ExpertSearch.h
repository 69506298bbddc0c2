#pragma once

#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// GET|POST /fhir/PractitionerRole/$find-experts on the platform: the experts of the pool (all
// PractitionerRoles with pool=false) matching department (practice scope covering it),
// organization, title (at least this professional title), name (in practitioner.display) and,
// with start/end, those with free Slots then (Schedule.actor = the role); a searchset Bundle, most
// senior first, then most free slots, with the free Slots included.
void registerExpertSearch(fhir::FhirServer& fhir, store::IStore& store);

}  // namespace medbridge::app
