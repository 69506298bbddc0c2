// SqliteStore's patient-index reads for other parts: change events, pending mentions.
#include "gateway/store/SqliteStore.h"

namespace medbridge::store {

std::vector<IdentityEvent> SqliteStore::identityEvents(std::int64_t afterSeq, int limit) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT seq, at, kind, payload, COALESCE(message_id, 0) FROM mpi_events WHERE seq > ?"
        " ORDER BY seq LIMIT ?");
    st.bind(1, afterSeq).bind(2, static_cast<std::int64_t>(limit));
    std::vector<IdentityEvent> out;
    while (st.step())
      out.push_back({st.integer(0), st.integer(1), st.text(2), st.text(3), st.integer(4)});
    st.reset();
    return out;
  });
}

bool SqliteStore::pendingMessageMentions(const std::string& text) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT 1 FROM queue q JOIN messages m ON m.id = q.message_id"
        " WHERE q.state IN ('ready', 'leased') AND instr(m.raw, CAST(? AS BLOB)) > 0 LIMIT 1");
    st.bindBlob(1, text);
    bool found = st.step();
    st.reset();
    return found;
  });
}

}  // namespace medbridge::store
