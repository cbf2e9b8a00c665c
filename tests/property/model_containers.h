// Cheap model copies for the rapidcheck state-machine tests. rapidcheck copies
// the model several times per command (the command generator captures it, a
// post-state per run command): a std::map copy allocates a node per entry.
//  - FlatMap: a sorted vector with the few std::map operations the models
//    use; one allocation per copy (keys and values are short strings).
//  - CopyOnWrite: copies share one value until a command's apply() edits it.
#pragma once

#include <algorithm>
#include <memory>
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

template <typename T>
class CopyOnWrite {
 public:
  const T& operator*() const { return *value_; }
  const T* operator->() const { return value_.get(); }
  // The value to change, copied first when another model shares it.
  T& edit() {
    if (value_.use_count() > 1) value_ = std::make_shared<T>(*value_);
    return *value_;
  }

 private:
  std::shared_ptr<T> value_ = std::make_shared<T>();
};

}  // namespace stalemate::property
