/** Line icons of the call UI (16 px grid, currentColor), in the style of the HUD's. */

const base = { width: 18, height: 18, viewBox: '0 0 16 16', fill: 'none', stroke: 'currentColor', strokeWidth: 1.4, strokeLinecap: 'round', strokeLinejoin: 'round', 'aria-hidden': true } as const;

export function MicIcon({ off = false, size = 18 }: { off?: boolean; size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <rect x="5.5" y="1.8" width="5" height="8" rx="2.5" />
      <path d="M3.2 7.6a4.8 4.8 0 009.6 0M8 12.4v2" />
      {off && <path d="M2.2 2.2l11.6 11.6" strokeWidth="1.6" />}
    </svg>
  );
}

export function CameraIcon({ off = false, size = 18 }: { off?: boolean; size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <rect x="1.6" y="4" width="9.2" height="8" rx="1.8" />
      <path d="M10.8 7l3.6-2.1v6.2L10.8 9" />
      {off && <path d="M1.6 2.2l12.4 11.6" strokeWidth="1.6" />}
    </svg>
  );
}

export function LockIcon({ open = false, size = 18 }: { open?: boolean; size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <rect x="3" y="7" width="10" height="7" rx="1.6" />
      <path d={open ? 'M5.4 7V5a2.6 2.6 0 015-1' : 'M5.4 7V5a2.6 2.6 0 015.2 0v2'} />
    </svg>
  );
}

export function WalkIcon({ size = 16 }: { size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <circle cx="9" cy="2.6" r="1.3" />
      <path d="M6.5 14l1.6-4.2L10 11.6V14M5 7.6l2-2.4h2.4l1.6 2.4 1.8.6M8.1 9.8L8.6 5.4" />
    </svg>
  );
}

export function GearIcon({ size = 18 }: { size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <circle cx="8" cy="8" r="2.2" />
      <path d="M8 1.6v1.6M8 12.8v1.6M14.4 8h-1.6M3.2 8H1.6M12.5 3.5l-1.1 1.1M4.6 11.4l-1.1 1.1M12.5 12.5l-1.1-1.1M4.6 4.6L3.5 3.5" />
      <circle cx="8" cy="8" r="4.6" />
    </svg>
  );
}

export function SendIcon({ size = 16 }: { size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <path d="M2 8l11.5-5.5L10 14l-2.2-4.6L2 8z" />
      <path d="M7.8 9.4l5.7-6.9" />
    </svg>
  );
}

export function ChatIcon({ size = 16 }: { size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <path d="M2.2 3.6a1.6 1.6 0 011.6-1.6h8.4a1.6 1.6 0 011.6 1.6v6a1.6 1.6 0 01-1.6 1.6H6.6L3.4 14v-2.8h0a1.6 1.6 0 01-1.2-1.6z" />
    </svg>
  );
}

export function ChevronIcon({ up = false, size = 14 }: { up?: boolean; size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <path d={up ? 'M4 10l4-4 4 4' : 'M4 6l4 4 4-4'} />
    </svg>
  );
}

export function SmileIcon({ size = 18 }: { size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <circle cx="8" cy="8" r="6.2" />
      <path d="M5.4 9.6c.7.9 1.6 1.4 2.6 1.4s1.9-.5 2.6-1.4" />
      <circle cx="6" cy="6.4" r=".5" fill="currentColor" />
      <circle cx="10" cy="6.4" r=".5" fill="currentColor" />
    </svg>
  );
}

export function SpeakerIcon({ size = 16 }: { size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <path d="M2.4 6v4h2.4L8.4 13V3L4.8 6H2.4z" />
      <path d="M10.6 5.6a3.4 3.4 0 010 4.8M12.4 3.8a6 6 0 010 8.4" />
    </svg>
  );
}

export function WarnIcon({ size = 14 }: { size?: number }) {
  return (
    <svg {...base} width={size} height={size}>
      <path d="M8 1.8l6.4 11.4H1.6L8 1.8z" />
      <path d="M8 6.4v3.2M8 11.4v.2" />
    </svg>
  );
}
