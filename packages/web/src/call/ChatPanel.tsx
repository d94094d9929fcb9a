import { memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { MAX_CHAT_CHARS, type ChatMsg, type ConversationState } from '@metaoffice/protocol';
import { epochToDate } from '../components.js';
import { ChatIcon, ChevronIcon, SendIcon, SmileIcon } from './icons.js';
import './call.css';

/** A small emoji set for the picker; reactions over the avatar have their own bar. */
const EMOJI = ['😀', '😂', '😊', '😍', '🤔', '😅', '😮', '😢', '👍', '👎', '👏', '🙌', '🙏', '👋', '🎉', '❤️', '🔥', '✅', '❌', '☕', '🍕', '🚀', '💡', '👀'];
/** Messages from the same person this close together share one header. */
const GROUP_MS = 3 * 60_000;

/**
 * The chat of the current conversation or room. Only the people in it receive the messages, and there is no
 * history: the list starts empty for a newcomer and is gone when the conversation ends. Text is rendered as text.
 */
export const ChatPanel = memo(function ChatPanel({
  call,
  messages,
  selfUserId,
  onSend,
}: {
  call: ConversationState;
  messages: readonly ChatMsg[];
  selfUserId: string;
  onSend(text: string): void;
}) {
  const [open, setOpen] = useState(true);
  const [text, setText] = useState('');
  const [picker, setPicker] = useState(false);
  const [seen, setSeen] = useState(0);
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const pickerRef = useRef<HTMLDivElement>(null);

  // Follow the newest message.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length, open]);

  useEffect(() => {
    if (open || messages.length < seen) setSeen(messages.length);
  }, [open, messages.length, seen]);

  useEffect(() => {
    if (!picker) return;
    const onDown = (e: PointerEvent) => {
      if (!pickerRef.current?.contains(e.target as Node)) setPicker(false);
    };
    const onKey = (e: globalThis.KeyboardEvent) => e.key === 'Escape' && setPicker(false);
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [picker]);

  const send = () => {
    if (!text.trim()) return;
    onSend(text);
    setText('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    } else if (e.key === 'Escape') {
      inputRef.current?.blur();
    }
  };
  const insert = (emoji: string) => {
    const el = inputRef.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = (text.slice(0, start) + emoji + text.slice(end)).slice(0, MAX_CHAT_CHARS);
    setText(next);
    setPicker(false);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  };

  const where = call.kind === 'room' ? (call.roomName ?? 'Meeting room') : 'Conversation';
  const unread = Math.max(0, messages.length - seen);
  return (
    <aside className={`chat-panel${open ? '' : ' collapsed'}`} aria-label="Chat">
      <button type="button" className="chat-head" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        <ChatIcon />
        <span className="chat-title">Chat</span>
        <span className="chat-where">{where}</span>
        {!open && unread > 0 && <span className="badge">{unread}</span>}
        <span className="chat-toggle" aria-hidden="true">
          <ChevronIcon up={!open} />
        </span>
      </button>
      {open && (
        <>
          <div className="chat-body">
            {messages.length === 0 && (
              <p className="chat-empty">
                Only the people here see these messages. They disappear when the {call.kind === 'room' ? 'meeting' : 'conversation'} ends.
              </p>
            )}
            <ol className="chat-list" data-testid="chat-messages" ref={listRef} aria-live="polite">
              {messages.map((m, i) => {
                const prev = messages[i - 1];
                const grouped = !!prev && prev.from === m.from && m.at - prev.at < GROUP_MS;
                const mine = m.from === selfUserId;
                const at = epochToDate(m.at);
                return (
                  <li key={m.id} className={`chat-msg${mine ? ' mine' : ''}${grouped ? ' grouped' : ''}`}>
                    {!grouped && (
                      <div className="chat-meta">
                        <span className="chat-name">{mine ? 'You' : m.name}</span>
                        <time dateTime={at.toISOString()}>{at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>
                      </div>
                    )}
                    <div className="chat-text">{m.text}</div>
                  </li>
                );
              })}
            </ol>
          </div>
          <div className="chat-compose">
            <div className="chat-emoji-wrap" ref={pickerRef}>
              <button
                type="button"
                className={`chat-icon-btn${picker ? ' active' : ''}`}
                onClick={() => setPicker((p) => !p)}
                aria-label="Insert emoji"
                aria-expanded={picker}
                title="Emoji"
              >
                <SmileIcon />
              </button>
              {picker && (
                <div className="chat-emoji-picker" role="menu" aria-label="Emoji">
                  {EMOJI.map((e) => (
                    <button key={e} type="button" role="menuitem" className="chat-emoji" onClick={() => insert(e)} aria-label={`Insert ${e}`}>
                      {e}
                    </button>
                  ))}
                </div>
              )}
            </div>
            <input
              ref={inputRef}
              className="chat-input"
              data-testid="chat-input"
              type="text"
              value={text}
              maxLength={MAX_CHAT_CHARS}
              placeholder={`Message ${call.kind === 'room' ? 'the room' : 'everyone here'}`}
              aria-label="Chat message"
              onChange={(e) => setText(e.target.value)}
              onKeyDown={onKeyDown}
              autoComplete="off"
            />
            <button type="button" className="chat-icon-btn send" onClick={send} disabled={!text.trim()} aria-label="Send" title="Send (Enter)">
              <SendIcon />
            </button>
          </div>
        </>
      )}
    </aside>
  );
});
