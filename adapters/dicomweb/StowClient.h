#pragma once

#include <string>
#include <vector>

namespace medbridge::adapters::dicomweb {

// How a STOW-RS request ended.
struct StowOutcome {
  int status = 0;                       // HTTP status; 0 when there was no answer
  std::string problem;                  // why there was no answer / what the answer says
  std::vector<std::string> failedSops;  // SOP Instance UIDs the server listed as failed (00081198)
};

// POSTs the instance files to <baseUrl>/studies (an http:// DICOMweb base) as one
// multipart/related; type="application/dicom" request, each part the file's bytes as stored.
StowOutcome stowInstances(const std::string& baseUrl, const std::vector<std::string>& files,
                          int timeoutSeconds);

}  // namespace medbridge::adapters::dicomweb
