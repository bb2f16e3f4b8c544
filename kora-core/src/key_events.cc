#include "kora/core/key_events.h"

namespace kora::core {

std::string_view key_event_name(KeyEvent e) {
  switch (e) {
    case KeyEvent::kModified: return "modified";
    case KeyEvent::kDeleted: return "del";
    case KeyEvent::kExpired: return "expired";
    case KeyEvent::kEvicted: return "evicted";
    case KeyEvent::kRenamedFrom: return "rename_from";
    case KeyEvent::kRenamedTo: return "rename_to";
    case KeyEvent::kMovedFrom: return "move_from";
    case KeyEvent::kMovedTo: return "move_to";
  }
  return "unknown";
}

}  // namespace kora::core
