#include "adapters/pacs_dicom/DicomServer.h"

#include <Poco/Logger.h>
#include <arpa/inet.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/oflog/oflog.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>

#include "adapters/pacs_dicom/DicomScp.h"
#include "gateway/core/ErrorCode.h"

namespace medbridge::adapters::pacs_dicom {
namespace {

constexpr int kAcseTimeoutSeconds = 30;
constexpr int kDimseTimeoutSeconds = 60;
constexpr long kMaxPdu = 131072;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.pacs_dicom");
}

core::Error bindError(const core::DicomConfig& c, const std::string& why) {
  return core::Error(core::ErrorCode::ConfigInvalid, "dicom.port: cannot listen on " + c.host +
                                                         ":" + std::to_string(c.port) + ": " + why);
}

}  // namespace

struct DicomServer::Impl {
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };

  core::DicomConfig config;
  ScpContext context;
  int listenFd = -1;
  int port = 0;
  T_ASC_Network* network = nullptr;
  std::atomic<bool> stopping{false};
  std::thread acceptor;
  std::mutex workersMutex;
  std::mutex receiveMutex;
  std::list<Worker> workers;

  // The settings every association's SCP starts from (presentation contexts: DicomScp).
  void configure(DcmSCPConfig& c) const;
  void acceptLoop();
  // Hands the connection to a worker thread that receives the association request and runs it.
  void serve(int fd);
  // The association requested on `fd` (nullptr when none came: the connection is closed).
  T_ASC_Association* receive(int fd);
  void refuse(T_ASC_Association* assoc);
  // Joins finished workers; returns how many are still running.
  std::size_t reap();
};

DicomServer::DicomServer(const core::DicomConfig& config, InstanceArchive& archive,
                         IInstanceSource& source)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->context.aet = config.aet;
  impl_->context.archive = &archive;
  impl_->context.source = &source;
  impl_->context.peers = config.peers;
  impl_->context.knownPeersOnly = config.knownPeersOnly;
}

void DicomServer::Impl::configure(DcmSCPConfig& c) const {
  c.setAETitle(config.aet.c_str());
  c.setRespondWithCalledAETitle(OFFalse);  // a request calling another AE title is refused
  c.setConnectionBlockingMode(DUL_NOBLOCK);
  c.setDIMSETimeout(kDimseTimeoutSeconds);
  c.setACSETimeout(kAcseTimeoutSeconds);
  c.setHostLookupEnabled(OFFalse);
  c.setMaxReceivePDULength(kMaxPdu);
  c.setAlwaysAcceptDefaultRole(OFTrue);  // storage contexts also allow C-GET's SCP role
}

DicomServer::~DicomServer() {
  stop();
}

void DicomServer::start() {
  Impl& d = *impl_;
  dcmDisableGethostbyaddr.set(OFTrue);
  static std::once_flag codecs;
  std::call_once(codecs, [] {
    // For retrievals whose receiver accepts only uncompressed syntaxes (no JPEG 2000 codec).
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
    // DCMTK's own associations (C-MOVE sub-operations) read this when they connect.
    ::setenv("TCP_NODELAY", "1", 0);
  });
  // DCMTK logs every association at INFO on the console; medbridge logs what matters itself.
  OFLog::configure(OFLogger::WARN_LOG_LEVEL);
  d.listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int reuse = 1;
  ::setsockopt(d.listenFd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(d.config.port));
  std::string host = d.config.host == "localhost" ? "127.0.0.1" : d.config.host;
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
    throw bindError(d.config, "dicom.host must be an IPv4 address");
  if (::bind(d.listenFd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(d.listenFd, 64) != 0)
    throw bindError(d.config, std::strerror(errno));
  socklen_t length = sizeof address;
  ::getsockname(d.listenFd, reinterpret_cast<sockaddr*>(&address), &length);
  d.port = ntohs(address.sin_port);
  // DCMTK would open its own listener on every interface; handing it a socket stops that, and
  // each accepted connection is then passed to it the same way.
  dcmExternalSocketHandle.set(d.listenFd);
  OFCondition init = ASC_initializeNetwork(NET_ACCEPTOR, 0, kAcseTimeoutSeconds, &d.network);
  dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
  if (init.bad()) throw bindError(d.config, init.text());
  d.acceptor = std::thread([&d] { d.acceptLoop(); });
}

void DicomServer::stop() {
  Impl& d = *impl_;
  if (!d.acceptor.joinable()) return;
  d.stopping = true;
  d.acceptor.join();
  std::list<Impl::Worker> running;
  {
    std::lock_guard lock(d.workersMutex);
    running.swap(d.workers);
  }
  for (auto& w : running) w.thread.join();  // each ends when its peer releases or times out
  ASC_dropNetwork(&d.network);
  ::close(d.listenFd);
}

int DicomServer::port() const {
  return impl_->port;
}

void DicomServer::Impl::acceptLoop() {
  while (!stopping) {
    pollfd p{listenFd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) serve(fd);
  }
}

void DicomServer::Impl::serve(int fd) {
  int noDelay = 1;  // DCMTK leaves Nagle on: ~25 instances/s instead of thousands
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay);
  bool overLimit = reap() >= static_cast<std::size_t>(config.maxAssociations);
  std::lock_guard lock(workersMutex);
  Worker& w = workers.emplace_back();
  w.thread = std::thread([this, fd, overLimit, done = w.done] {
    if (T_ASC_Association* assoc = receive(fd)) {
      if (overLimit) {
        refuse(assoc);
      } else {
        DicomScp scp(context);
        configure(scp.getConfig());
        scp.run(assoc);  // negotiates, serves, then drops and destroys the association
      }
    }
    *done = true;
  });
}

T_ASC_Association* DicomServer::Impl::receive(int fd) {
  // A peer that connects and says nothing holds only its own thread, until the ACSE timeout.
  for (int waited = 0; !stopping; waited += 200) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) break;
    if (waited >= kAcseTimeoutSeconds * 1000) break;
  }
  T_ASC_Association* assoc = nullptr;
  OFCondition received = ASC_NULLKEY;
  if (!stopping) {
    // DCMTK takes the connection from a process-wide variable: one hand-over at a time.
    std::lock_guard lock(receiveMutex);
    dcmExternalSocketHandle.set(fd);
    received = ASC_receiveAssociation(network, &assoc, kMaxPdu, nullptr, nullptr, OFFalse,
                                      DUL_NOBLOCK, kAcseTimeoutSeconds);
    dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
  }
  if (received.good()) return assoc;
  if (!stopping)
    log().warning("DICOM association request not received: %s", std::string(received.text()));
  if (assoc) {
    ASC_dropAssociation(assoc);
    ASC_destroyAssociation(&assoc);
  } else {
    ::close(fd);
  }
  return nullptr;
}

void DicomServer::Impl::refuse(T_ASC_Association* assoc) {
  log().warning("DICOM association refused: %d associations in progress (dicom.maxAssociations)",
                config.maxAssociations);
  T_ASC_RejectParameters rejection{ASC_RESULT_REJECTEDTRANSIENT,
                                   ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
                                   ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED};
  ASC_rejectAssociation(assoc, &rejection);
  ASC_dropAssociation(assoc);
  ASC_destroyAssociation(&assoc);
}

std::size_t DicomServer::Impl::reap() {
  std::lock_guard lock(workersMutex);
  for (auto it = workers.begin(); it != workers.end();) {
    if (*it->done) {
      it->thread.join();
      it = workers.erase(it);
    } else {
      ++it;
    }
  }
  return workers.size();
}

}  // namespace medbridge::adapters::pacs_dicom
