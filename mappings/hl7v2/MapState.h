#pragma once

#include <string>

#include "mappings/fhir/Bundle.h"
#include "mappings/hl7v2/Datatypes.h"

namespace medbridge::mappings::hl7v2 {

// What every per-trigger mapper works on: the message, the Bundle being built, the data type
// converters, and the references already made.
struct MapState {
  const Message& msg;
  fhir::BundleBuilder& bundle;
  Datatypes& dt;
  MappingResult& result;
  std::string messageKey;  // MSH-3|MSH-4|MSH-10, the base of ids not carried by the data
  std::string patientRef;  // "urn:uuid:..." once the Patient is mapped
  std::string encounterRef;

  Allocator& a() { return bundle.alloc(); }
  std::string id(const std::string& name) const;  // deterministic resource id
};

using TriggerMapper = void (*)(MapState&);

// Per-resource builders shared by the trigger mappers.
void mapPatient(MapState& s);           // PID (+PD1) -> Patient; sets patientRef
void mapEncounter(MapState& s);         // PV1/PV2 -> Encounter; sets encounterRef
void mapResults(MapState& s);           // OBR/OBX/NTE -> DiagnosticReport + Observations
void mapOrders(MapState& s);            // ORC/OBR -> ServiceRequest
void mapDocument(MapState& s);          // TXA + OBX -> DocumentReference
void mapReferral(MapState& s);          // RF1/PRD/DG1 -> ServiceRequest + Task
void mapPatientMerge(MapState& s);      // ADT A40: PID + MRG -> Patients linked, instruction
void mapIdentifierChange(MapState& s);  // ADT A47: PID + MRG -> Patient, instruction

}  // namespace medbridge::mappings::hl7v2
