import { availabilityColour, type Activity, type Availability, type ChosenAvailability } from '@metaoffice/protocol';

export const availabilityText: Record<Availability, string> = {
  Available: 'Available',
  Busy: 'Busy',
  DoNotDisturb: 'Do not disturb',
  BeRightBack: 'Be right back',
  Away: 'Away',
  Offline: 'Offline',
};

/** The order of the status picker, as in Teams. */
export const chosenAvailabilities: readonly ChosenAvailability[] = ['Available', 'Busy', 'DoNotDisturb', 'BeRightBack', 'Away'];

const activityText: Partial<Record<Activity, string>> = {
  InACall: 'In a call',
  InAMeeting: 'In a meeting',
  Presenting: 'Presenting',
};

/** "Busy · In a call": the availability, plus what they are doing when that says more. */
export function statusText(availability: Availability, activity: Activity): string {
  const extra = activityText[activity];
  return extra ? `${availabilityText[availability]} · ${extra}` : availabilityText[availability];
}

export function colourOf(availability: Availability): string {
  return availabilityColour[availability];
}

/** CSS for a person's avatar face from the sheet: the standing-down frame of look `look` (12 columns of 32 px). */
export function avatarFaceStyle(look: number): { backgroundPosition: string } {
  const blockCol = look % 4;
  const blockRow = Math.floor(look / 4);
  const frameX = blockCol * 3 + 1;
  const frameY = blockRow * 4;
  return { backgroundPosition: `-${frameX * 32}px -${frameY * 32}px` };
}
