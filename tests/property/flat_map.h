// A sorted vector with the few std::map operations the state-machine models
// use. rapidcheck copies the model once per generated and per run command
// (CommandEntry keeps each post-state): a std::map copy allocates a node per
// entry, this copies in one allocation, and the models' keys and values are
// short strings that stay inside std::string.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

namespace stalemate::property {

template <typename K, typename V>
class FlatMap {
 public:
  using value_type = std::pair<K, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

  const_iterator lower_bound(const K& key) const {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& item, const K& k) { return item.first < k; });
  }
  const_iterator find(const K& key) const {
    const auto it = lower_bound(key);
    return it != end() && !(key < it->first) ? it : end();
  }
  std::size_t count(const K& key) const { return find(key) != end() ? 1 : 0; }
  const V& at(const K& key) const {
    const auto it = find(key);
    if (it == end()) throw std::out_of_range("FlatMap::at");
    return it->second;
  }
  V& operator[](const K& key) {
    const auto at = items_.begin() + (lower_bound(key) - items_.cbegin());
    if (at != items_.end() && !(key < at->first)) return at->second;
    return items_.insert(at, value_type(key, V{}))->second;
  }
  void erase(const K& key) {
    const auto it = find(key);
    if (it != end()) items_.erase(it);
  }

 private:
  std::vector<value_type> items_;
};

}  // namespace stalemate::property
