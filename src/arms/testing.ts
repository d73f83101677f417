/** A fixed profile for arm tests. */
import { Profile } from "../core/profile.js";

export function testProfile(participantId = "u1"): Profile {
  return Profile.parse({
    participantId,
    selfDescription: "I am a nurse who loves hiking and short answers.",
    systemString: "Be direct and kind.",
    statedPreferences: { values: 40, creativity: 20, fluency: 60, factuality: 90, diversity: 10, safety: 70, personalisation: 50, helpfulness: 95 },
    demographics: { age: "35-44 years old", gender: "Female", education: "University Bachelors Degree" },
    location: { resideCountry: "Chile" },
  });
}
