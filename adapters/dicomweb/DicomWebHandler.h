#pragma once

#include <string>

#include "adapters/pacs_dicom/DicomServer.h"
#include "gateway/auth/TokenVerifier.h"
#include "gateway/http/HttpServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::adapters::dicomweb {

// DICOMweb at `mount` ("/dicomweb") over the instances medbridge keeps:
// - QIDO-RS: GET studies, series, instances (also below a study or series), matching by keyword
//   or tag with DicomQuery's rules (percent-decoded UTF-8), includefield (or "all"), limit,
//   offset; application/dicom+json with each match's RetrieveURL.
// - WADO-RS: GET a study, series or instance as multipart/related; type="application/dicom" (each
//   part the stored Part 10 file, transfer syntax as received); .../metadata as DICOM JSON.
// - STOW-RS: POST studies (or studies/{uid}) with multipart/related; type="application/dicom":
//   each part stored through the C-STORE path; the answer lists stored (ReferencedSOPSequence)
//   and failed (FailedSOPSequence) instances: 200 all stored, 202 some, 409 none.
// Access as the FHIR server: with auth.mode jwt a bearer token, scope ImagingStudy read (GET) or
// write (POST).
class DicomWebHandler {
 public:
  DicomWebHandler(store::IStore& store, pacs_dicom::InstanceArchive& archive, std::string mount,
                  const auth::TokenVerifier* verifier)
      : store_(store), archive_(archive), mount_(std::move(mount)), verifier_(verifier) {}
  http::Response operator()(const http::Request& request) const;

 private:
  http::Response search(const http::Request& r, const std::vector<std::string>& path) const;
  http::Response retrieve(const http::Request& r, const std::vector<std::string>& path) const;
  http::Response store(const http::Request& r, const std::vector<std::string>& path) const;
  std::string base(const http::Request& r) const;

  store::IStore& store_;
  pacs_dicom::InstanceArchive& archive_;
  std::string mount_;
  const auth::TokenVerifier* verifier_;
};

}  // namespace medbridge::adapters::dicomweb
