#pragma once

// A study's instance headers (DICOM JSON, numbers as text) as one FHIR R4 ImagingStudy.
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace medbridge::mappings::dicom {

struct ImagingStudySubject {
  std::string reference;      // "Patient/<id>" when the patient index knows the Patient resource
  std::string system, value;  // else a logical reference by the DICOM PatientID
  std::string display;        // the patient's name as DICOM PN (groups allowed)
};

struct ImagingStudyContext {
  ImagingStudySubject subject;
  std::string endpoint;              // "Endpoint/<id>": where the study is served (DICOMweb)
  std::string utcOffset = "+08:00";  // for StudyDate/StudyTime without a TimezoneOffsetFromUTC
};

// The id is the StudyInstanceUID (a UID is a valid FHIR id: digits and dots, at most 64).
// identifier urn:dicom:uid = urn:oid:<StudyInstanceUID> and the accession number (ACSN); status
// available; modalities, started, referrer, description, numberOfSeries / numberOfInstances;
// series (uid, number, modality, description, started, instances with uid, SOP class, number),
// series ordered by number then UID, instances by number. `headers` must all belong to one study.
std::string imagingStudyJson(const std::vector<rapidjson::Document>& headers,
                             const ImagingStudyContext& context);

}  // namespace medbridge::mappings::dicom
