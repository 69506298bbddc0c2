// C-STORE: received into a temporary file, checked, placed durably, then handed to the sink.
#include "adapters/pacs_dicom/DicomScp.h"
#include "adapters/pacs_dicom/DimseStatus.h"

#include <Poco/Logger.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <cstdio>
#include <filesystem>

#include "adapters/pacs_dicom/DicomFiles.h"
#include "adapters/pacs_dicom/DicomJson.h"
#include "gateway/core/ErrorCode.h"

namespace medbridge::adapters::pacs_dicom {
namespace {

using namespace dimse;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.pacs_dicom");
}

std::string text(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

// The header fields medbridge keeps, as UTF-8.
mappings::dicom::DicomSummary summarize(DcmFileFormat& file) {
  DcmDataset& ds = *file.getDataset();
  mappings::dicom::DicomSummary s;
  s.transferSyntaxUid = text(*file.getMetaInfo(), DCM_TransferSyntaxUID);
  s.sopClassUid = text(ds, DCM_SOPClassUID);
  s.sopInstanceUid = text(ds, DCM_SOPInstanceUID);
  s.studyInstanceUid = text(ds, DCM_StudyInstanceUID);
  s.seriesInstanceUid = text(ds, DCM_SeriesInstanceUID);
  s.patientId = text(ds, DCM_PatientID);
  s.issuerOfPatientId = text(ds, DCM_IssuerOfPatientID);
  DcmSequenceOfItems* others = nullptr;
  if (ds.findAndGetSequence(DCM_OtherPatientIDsSequence, others).good() && others)
    for (unsigned long i = 0; i < others->card(); ++i)
      s.otherPatientIds.emplace_back(text(*others->getItem(i), DCM_PatientID),
                                     text(*others->getItem(i), DCM_IssuerOfPatientID));
  s.patientName = text(ds, DCM_PatientName);
  s.birthDate = text(ds, DCM_PatientBirthDate);
  s.sex = text(ds, DCM_PatientSex);
  s.modality = text(ds, DCM_Modality);
  s.studyDate = text(ds, DCM_StudyDate);
  s.accessionNumber = text(ds, DCM_AccessionNumber);
  s.studyDescription = text(ds, DCM_StudyDescription);
  s.header = headerJson(ds);
  return s;
}

}  // namespace

OFCondition DicomScp::handleStore(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID presId) {
  std::string file = context_.storageDir + "/tmp/" + std::to_string(::getpid()) + "-" +
                     std::to_string(++context_.sequence) + ".part";
  std::filesystem::create_directories(context_.storageDir + "/tmp");
  OFCondition received = receiveSTORERequest(request, presId, OFString(file.c_str()));
  if (received.bad()) {  // the association is gone or broken: nothing to answer
    std::remove(file.c_str());
    return received;
  }
  Uint16 status =
      acceptInstanceFile(file, request.AffectedSOPClassUID, request.AffectedSOPInstanceUID,
                         getPeerAETitle().c_str(), context_.storageDir, *context_.sink);
  std::remove(file.c_str());  // still there when the instance was refused
  return sendSTOREResponse(presId, request, status);
}

Uint16 acceptInstanceFile(const std::string& file, const std::string& sopClass,
                          const std::string& sopInstance, const std::string& peer,
                          const std::string& storageDir, IInstanceSink& sink) {
  DcmFileFormat dicom;
  // Large values (pixel data) stay on disk; only the header is read.
  OFCondition loaded = dicom.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096);
  if (loaded.bad()) {
    log().warning("C-STORE from %s refused: the data set cannot be read (%s)", peer,
                  std::string(loaded.text()));
    return kCannotUnderstand;
  }
  if (convertToUtf8(*dicom.getDataset()).bad())
    log().warning("C-STORE from %s: Specific Character Set not converted to UTF-8", peer);
  mappings::dicom::DicomSummary s = summarize(dicom);
  if (s.sopInstanceUid != sopInstance || s.sopClassUid != sopClass) {
    log().warning("C-STORE from %s refused: SOP Class/Instance UID differ from the request", peer);
    return kDoesNotMatchSopClass;
  }
  if (!isUid(s.sopInstanceUid) || !isUid(s.studyInstanceUid)) {
    log().warning("C-STORE from %s refused: missing or malformed Study/SOP Instance UID", peer);
    return kCannotUnderstand;
  }
  s.callingAe = peer;
  s.file = storageDir + "/" + s.studyInstanceUid + "/" + s.sopInstanceUid + ".dcm";
  s.size = static_cast<std::int64_t>(std::filesystem::file_size(file));
  // A re-sent instance replaces the file an earlier row points to: kept if the index refuses.
  bool resent = std::filesystem::exists(s.file);
  try {
    placeDurably(file, s.file);
  } catch (const std::exception& e) {
    log().error("C-STORE from %s: %s", peer, std::string(e.what()));
    return kOutOfResources;
  }
  try {
    sink.onInstance(s);
  } catch (const core::Error& e) {
    log().warning("C-STORE of %s from %s refused: %s", s.sopInstanceUid, peer,
                  std::string(e.what()));
    if (!resent) std::remove(s.file.c_str());
    return core::errorInfo(e.code()).dimseStatus;
  } catch (const std::exception& e) {
    log().error("C-STORE of %s from %s failed: %s", s.sopInstanceUid, peer, std::string(e.what()));
    if (!resent) std::remove(s.file.c_str());
    return kOutOfResources;
  }
  log().debug("stored %s from %s", s.sopInstanceUid, peer);
  return kSuccess;
}

}  // namespace medbridge::adapters::pacs_dicom
