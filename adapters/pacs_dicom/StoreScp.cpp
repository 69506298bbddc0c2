// C-STORE: received into a file of the archive's pool, then checked, made durable and indexed
// (InstanceArchive) before the answer.
#include "adapters/pacs_dicom/DicomScp.h"

#include <Poco/Logger.h>

#include "adapters/pacs_dicom/DimseStatus.h"

namespace medbridge::adapters::pacs_dicom {

OFCondition DicomScp::handleStore(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID presId) {
  InstanceArchive& archive = *context_.archive;
  std::string peer = getPeerAETitle().c_str();
  std::string file;
  try {
    file = archive.reserve();
  } catch (const std::exception& e) {
    // Nowhere to write (disk full, permissions): the data set is read and dropped, and the
    // sender is told to try again later.
    Poco::Logger::get("medbridge.pacs_dicom")
        .error("C-STORE from %s: %s", peer, std::string(e.what()));
    DcmDataset* dropped = nullptr;
    OFCondition received = receiveSTORERequest(request, presId, dropped);
    delete dropped;
    if (received.bad()) return received;
    return sendSTOREResponse(presId, request, dimse::kOutOfResources);
  }
  OFCondition received = receiveSTORERequest(request, presId, OFString(file.c_str()));
  if (received.bad()) {  // the association is gone or broken: nothing to answer
    archive.release(file);
    return received;
  }
  // Sub-operations of a C-MOVE medbridge asked for are made durable when its retrieval ends.
  bool ofOurRetrieval = (request.opts & O_STORE_MOVEORIGINATORAETITLE) &&
                        context_.aet == request.MoveOriginatorApplicationEntityTitle &&
                        archive.retrieving();
  Uint16 status =
      archive.accept(file, request.AffectedSOPClassUID, request.AffectedSOPInstanceUID, peer,
                     ofOurRetrieval ? InstanceArchive::When::Deferred : InstanceArchive::When::Now);
  return sendSTOREResponse(presId, request, status);
}

}  // namespace medbridge::adapters::pacs_dicom
