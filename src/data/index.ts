/** The data layer's public surface (PRISM files, synthetic cohort, planted models, P-DPO pairs). */
export { PRISM_FILES, PRISM_FILE_PATHS, EMPTY_STRING, SurveyRow, ConversationRow, UtteranceRow, MetadataRow, ModelsRow, HistoryItem, type ModelItem } from "./prism/schemas.js";
export { validatePrismDir, locatePrismFiles, type ValidationReport, type ValidationSummary } from "./prism/validate.js";
export { readValidRows, loadProfiles, readPrismRaw, writePrismDir, writeDirAtomic, type RawPrismFiles } from "./prism/read.js";
export { ProblemList, formatProblem, forEachLine, scanRows, readJsonlRaw, writeJsonlAtomic, jsonLine, type Problem } from "./prism/jsonl.js";
export { profileFromSurveyRow } from "./prism/profile.js";
export { FEATURES, FEATURES_VERSION, extractFeatures, wordCount, type Feature, type FeatureVector } from "./sample/features.js";
export { PlantedModel, GROUND_TRUTH_FILE, plantedUtility, plantedMeanRating, plantedPreferenceProbability, plantedJudge, utilityOfFeatures, type PlantedJudgement } from "./sample/planted.js";
export { loadGroundTruth } from "./sample/groundTruth.js";
export { writeSampleCohort, sampleParticipants, sampleParticipant, plantModel, modelsRows, PRISM_MODELS, SHARED_WEIGHTS, ARCHETYPES, type SampleOptions, type SampleSummary, type ParticipantBundle } from "./sample/sampler.js";
export { loadPairsInput, pairUserFromSurvey, dialogueFromConversation, type PairsInput, type PairUser, type Dialogue, type DialogueTurn } from "./pairs/input.js";
export { buildPairs, planPairs, planRows, dialoguePairs, preferenceList, textualInfo, resolvePairOptions, type PairOptions, type PairCounts, type PairPlan } from "./pairs/build.js";
export { writePairs, defaultSplitPath, type WritePairsOptions } from "./pairs/write.js";
