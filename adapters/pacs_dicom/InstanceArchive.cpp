#include "adapters/pacs_dicom/InstanceArchive.h"

#include <Poco/Logger.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>

#include "adapters/pacs_dicom/DicomJson.h"
#include "adapters/pacs_dicom/DimseStatus.h"
#include "gateway/core/ErrorCode.h"

namespace medbridge::adapters::pacs_dicom {
namespace {

using namespace dimse;
using mappings::dicom::DicomSummary;

// Deferred instances are flushed early beyond these, so a large retrieval holds little.
constexpr std::size_t kMaxDeferredInstances = 500;
constexpr std::int64_t kMaxDeferredBytes = 512LL << 20;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.pacs_dicom");
}

std::string text(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

// The header fields medbridge keeps, as UTF-8.
DicomSummary summarize(DcmFileFormat& file) {
  DcmDataset& ds = *file.getDataset();
  DicomSummary s;
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

// The DIMSE status for what the sink threw (rethrown here), logged.
std::uint16_t refusal(const DicomSummary& s) {
  try {
    throw;
  } catch (const core::Error& e) {
    log().warning("C-STORE of %s from %s refused: %s", s.sopInstanceUid, s.callingAe,
                  std::string(e.what()));
    return core::errorInfo(e.code()).dimseStatus;
  } catch (const std::exception& e) {
    log().error("C-STORE of %s from %s failed: %s", s.sopInstanceUid, s.callingAe,
                std::string(e.what()));
    return kOutOfResources;
  }
}

}  // namespace

InstanceArchive::InstanceArchive(std::string storageDir, IInstanceSink& sink)
    : sink_(sink), pool_(std::move(storageDir)) {}

std::uint16_t InstanceArchive::accept(const std::string& file, const std::string& sopClass,
                                      const std::string& sopInstance, const std::string& sender,
                                      When when) {
  DcmFileFormat dicom;
  // Large values (pixel data) stay on disk; only the header is read.
  OFCondition loaded = dicom.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096);
  auto refuse = [&](std::uint16_t status, const std::string& why) {
    log().warning("C-STORE from %s refused: %s", sender, why);
    release(file);
    return status;
  };
  if (loaded.bad() || dicom.getMetaInfo()->card() == 0)
    return refuse(kCannotUnderstand,
                  std::string("the data set cannot be read (") + loaded.text() + ")");
  if (convertToUtf8(*dicom.getDataset()).bad())
    log().warning("C-STORE from %s: Specific Character Set not converted to UTF-8", sender);
  DicomSummary s = summarize(dicom);
  if ((!sopInstance.empty() && s.sopInstanceUid != sopInstance) ||
      (!sopClass.empty() && s.sopClassUid != sopClass))
    return refuse(kDoesNotMatchSopClass, "SOP Class/Instance UID differ from the request");
  if (!isUid(s.sopInstanceUid) || !isUid(s.studyInstanceUid))
    return refuse(kCannotUnderstand, "missing or malformed Study/SOP Instance UID");
  s.callingAe = sender;
  s.file = file;
  s.size = static_cast<std::int64_t>(std::filesystem::file_size(file));
  if (when == When::Deferred) {
    startWriteback(file);  // so the retrieval's flush finds little left to write
    bool full;
    {
      std::lock_guard lock(deferredMutex_);
      deferredBytes_ += s.size;
      deferred_.push_back(std::move(s));
      full = deferred_.size() >= kMaxDeferredInstances || deferredBytes_ >= kMaxDeferredBytes;
    }
    if (full) flushDeferred();
    return kSuccess;
  }
  try {
    syncFile(file);
  } catch (const std::exception& e) {
    return refuse(kOutOfResources, e.what());
  }
  return index({s}).front();
}

InstanceArchive::Flushed InstanceArchive::flushDeferred() {
  std::lock_guard flushing(flushMutex_);  // a flush that starts later also covers the earlier
  auto started = std::chrono::steady_clock::now();
  std::vector<DicomSummary> batch;
  {
    std::lock_guard lock(deferredMutex_);
    batch.swap(deferred_);
    deferredBytes_ = 0;
  }
  Flushed out;
  if (batch.empty()) return out;
  std::vector<std::string> files;
  for (const auto& s : batch) files.push_back(s.file);
  auto failed = syncFiles(files);
  std::vector<DicomSummary> durable;
  for (auto& s : batch) {
    auto bad =
        std::find_if(failed.begin(), failed.end(), [&](auto& f) { return f.first == s.file; });
    if (bad == failed.end()) {
      durable.push_back(std::move(s));
      continue;
    }
    log().error("instance %s from %s lost: %s", s.sopInstanceUid, s.callingAe, bad->second);
    release(s.file);
    ++out.failed;
  }
  if (durable.empty()) return out;
  for (std::uint16_t status : index(durable)) ++(status == kSuccess ? out.stored : out.failed);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started);
  log().information("%d retrieved instances made durable and indexed in %d ms (%d refused)",
                    out.stored, static_cast<int>(ms.count()), out.failed);
  return out;
}

std::vector<std::uint16_t> InstanceArchive::index(const std::vector<DicomSummary>& instances) {
  std::vector<std::uint16_t> statuses(instances.size(), kSuccess);
  std::vector<std::string> replaced;
  try {
    replaced = sink_.onInstances(instances);
  } catch (...) {
    replaced.assign(instances.size(), "");
    if (instances.size() == 1) {
      statuses[0] = refusal(instances[0]);
    } else {  // one by one, so only the refused ones are left out
      for (std::size_t i = 0; i < instances.size(); ++i) {
        try {
          replaced[i] = sink_.onInstances({instances[i]}).front();
        } catch (...) {
          statuses[i] = refusal(instances[i]);
        }
      }
    }
  }
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (statuses[i] != kSuccess) {
      release(instances[i].file);
      continue;
    }
    if (!replaced[i].empty() && replaced[i] != instances[i].file)
      std::remove(replaced[i].c_str());  // the earlier copy of a re-sent instance
    log().debug("stored %s from %s", instances[i].sopInstanceUid, instances[i].callingAe);
  }
  return statuses;
}

InstanceArchive::Retrieval::Retrieval(InstanceArchive& archive) : archive_(archive) {
  std::lock_guard lock(archive_.deferredMutex_);
  ++archive_.retrievals_;
}

InstanceArchive::Retrieval::~Retrieval() {
  std::lock_guard lock(archive_.deferredMutex_);
  --archive_.retrievals_;
}

bool InstanceArchive::retrieving() {
  std::lock_guard lock(deferredMutex_);
  return retrievals_ > 0;
}

}  // namespace medbridge::adapters::pacs_dicom
