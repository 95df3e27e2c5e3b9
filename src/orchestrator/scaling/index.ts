// Autoscaling and right-sizing: usage sampling, the VPA-style recommender, the HPA-style decision. What other layers may use.
export { isValidSample, type UsageSample } from "./usage-sample.js";
export { UsageSampler, type UsageSamplerOptions, type SampleResult } from "./usage-sampler.js";
export { cgroupUsageReader, type ContainerUsage, type ContainerUsageReader, type CgroupUsageReaderOptions } from "./container-usage-reader.js";
export { DecayingHistogram, CPU_SCALE, MEMORY_SCALE, type BucketScale } from "./decaying-histogram.js";
export { Recommender, type RecommenderOptions, type RecommendOptions } from "./recommender.js";
export { currentLimits, type CurrentLimits, type ResourceEstimate, type ServiceRecommendation, type RecommendationVerdict } from "./recommendation.js";
export { recommendationWarnings, limitFindings, OVER_PROVISION_FACTOR, type LimitFinding } from "./recommendation-warnings.js";
export {
  formatRecommendations, formatCurrent, RECOMMEND_COLUMNS, type FormattedRecommendations, type RecommendationJson, type ResourceJson,
} from "./format-recommendations.js";
export { formatBytes, formatCores } from "./resource-units.js";
export {
  decideReplicas, keepRecommendations, DEFAULT_TOLERANCE, type AutoscaleInput, type AutoscaleDecision, type AutoscaleReplica, type ReplicaRecommendation,
} from "./autoscale-decision.js";
export { ScalingInputError } from "./errors.js";
