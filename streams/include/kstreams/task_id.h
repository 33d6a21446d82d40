// File: kstreams/task_id.h
//
// A task is the unit of parallelism: one sub-topology applied to one partition number of its
// input topics. TaskId prints as Kafka Streams prints it ("<subtopology>_<partition>"), which
// is also the name of the task's state directory.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace kstreams {

struct TaskId {
  int32_t subtopology = 0;
  int32_t partition = 0;

  std::string toString() const {
    return std::to_string(subtopology) + "_" + std::to_string(partition);
  }
  auto operator<=>(const TaskId&) const = default;
};

}  // namespace kstreams
