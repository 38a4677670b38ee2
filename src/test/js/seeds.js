// The seeds' client snippets (../shared/seeds 000, 002, 003, 004), as their documents write them,
// run against a Herald node. Only the server URL and the token placeholder are substituted, and
// console.log is captured so the test can see what each snippet received.
// Env: HERALD_URL (e.g. http://127.0.0.1:8080), TOKEN (a JWT whose rooms claim allows the seeds' rooms).
const { io } = require('socket.io-client');
const BASE = process.env.HERALD_URL;
const TOKEN = process.env.TOKEN;
let current = 'setup';
console.log = (...args) => process.stdout.write(JSON.stringify({ type: 'log', seed: current, args }) + '\n');
console.error = console.log;
const localStorage = { getItem: () => TOKEN };

// ---- seed 000: interview-sandbox /notifications gateway ----------------------------------
function seed000() {
  current = '000';
  // Connect to WebSocket server
  const socket = io(`${BASE}/notifications`, {
    auth: {
      token: TOKEN, // JWT access token
    },
    // OR use Authorization header
    extraHeaders: {
      Authorization: `Bearer ${TOKEN}`,
    },
  });

  // Listen for connection
  socket.on('connect', () => {
    console.log('Connected to notifications server');
  });

  // Listen for notifications
  socket.on('notification', (data) => {
    console.log('New notification:', data);
  });

  // Listen for connection confirmation
  socket.on('connected', (data) => {
    console.log('Connection confirmed:', data);
    socket.emit('ping');
    socket.emit('join-room', { room: 'project-123' });
    socket.emit('get-online-status', {
      userIds: ['123', '456', '789'],
    });
    socket.emit('subscribe-user-status', { userId: '123' });
  });
  socket.on('pong', (data) => console.log('pong', data));
  socket.on('joined-room', (data) => console.log('joined-room', data));
  socket.on('online-status', (data) => console.log('online-status', data));
  socket.on('subscribed', (data) => console.log('subscribed', data));
  return socket;
}

// ---- seed 002: Nexus dashboard (DashboardService) -----------------------------------------
class DashboardService {
  constructor() { this.socket = null; }

  connect(userId, token) {
    this.socket = io(`${BASE}/dashboard`, {
      query: { userId, token },
      transports: ['websocket'],
    });

    this.socket.on('connected', (data) => {
      console.log('Dashboard connected:', data);
      this.subscribe(['referrals']);
    });

    this.socket.on('notification', (notification) => {
      console.log('New notification:', notification);
    });

    this.socket.on('stats_update', (stats) => {
      console.log('Stats update:', stats);
    });

    this.socket.on('subscribed', (data) => console.log('subscribed', data));

    this.socket.on('error', (error) => {
      console.error('Dashboard error:', error);
    });
  }

  subscribe(channels) {
    this.socket?.emit('subscribe', { channels });
  }

  unsubscribe(channels) {
    this.socket?.emit('unsubscribe', { channels });
  }

  disconnect() {
    this.socket?.disconnect();
  }
}

// ---- seed 003: user-addressed gateway (React example's effect body) -----------------------
function seed003() {
  current = '003';
  const accessToken = localStorage.getItem('accessToken');

  const newSocket = io(BASE, {
    auth: { token: accessToken }
  });

  newSocket.on('connected', (data) => {
    console.log('Connected:', data);
  });

  newSocket.on('error', (error) => {
    console.error('Connection error:', error);
  });

  newSocket.on('notification', (data) => {
    console.log('Received notification:', data);
  });
  return newSocket;
}

// ---- seed 004: e-learning platform ---------------------------------------------------------
function seed004() {
  current = '004';
  const socket = io(BASE, {
    auth: {
      token: TOKEN,
    },
  });

  // Connection events
  socket.on('connected', (data) => {
    console.log('Connected:', data);
    // Join a room (e.g., course discussion)
    socket.emit('join_room', {
      room: 'course:123',
      type: 'discussion',
    });
  });

  socket.on('notification', (notification) => {
    console.log('New notification:', notification);
  });

  socket.on('joined-room', (data) => console.log('joined-room', data));

  socket.on('connect_error', (error) => {
    console.error('Connection error:', error);
  });
  return socket;
}

// ---- seed 002: Nexus messaging (MessagingService), as written, TypeScript types removed -----
class MessagingService {
  constructor() { this.socket = null; }

  connect(userId, token) {
    this.socket = io(`${BASE}/ws`, {
      query: { userId, token },
      transports: ['websocket'],
    });

    this.socket.on('MESSAGE_BROADCAST', (message) => {
      console.log('New message:', message);
      this.handleNewMessage(message);
    });

    this.socket.on('TYPING_INDICATOR', (data) => {
      console.log('Typing indicator:', data);
      this.showTypingIndicator(data);
    });
  }

  sendMessage(receiverId, content) {
    this.socket?.emit('sendMessage', {
      receiverId,
      content,
    });
  }

  startTyping(receiverId) {
    this.socket?.emit('typing', { receiverId, isTyping: true });
  }

  stopTyping(receiverId) {
    this.socket?.emit('typing', { receiverId, isTyping: false });
  }

  markAsRead(messageId) {
    this.socket?.emit('markAsRead', { messageId });
  }

  handleNewMessage(message) {
    // Add message to chat UI
  }

  showTypingIndicator(data) {
    // Show/hide typing indicator
  }
}

// The two users of the messaging run: SENDER (TOKEN) and RECEIVER (TOKEN2, user RECEIVER_ID).
// The driver below only calls the service's methods and logs what the snippet does not.
function seed002Messaging() {
  current = '002-messaging';
  const sender = new MessagingService();
  const receiver = new MessagingService();
  receiver.connect(process.env.RECEIVER_ID, process.env.TOKEN2);
  receiver.socket.on('connected', () => {
    sender.connect('sender', TOKEN);
    sender.socket.on('connected', () => {
      sender.startTyping(process.env.RECEIVER_ID);
      sender.sendMessage(process.env.RECEIVER_ID, 'Hello from the seed');
    });
    sender.socket.on('message:sent', (sent) => console.log('sent', sent));
    sender.socket.on('message:read', (read) => console.log('read', read));
  });
  receiver.socket.on('MESSAGE_BROADCAST', (message) => {
    sender.stopTyping(process.env.RECEIVER_ID);
    receiver.markAsRead(String(message.id));
  });
}

// ---- seed 004: typing in a course room, two members ----------------------------------------
function seed004Typing() {
  current = '004-typing';
  const watcher = io(BASE, { auth: { token: process.env.TOKEN2 } });
  watcher.on('connected', () => watcher.emit('join_room', { room: 'course:123', type: 'discussion' }));
  watcher.on('typing_indicator', (data) => console.log('typing_indicator', data));
  watcher.on('joined-room', () => {
    const socket = io(BASE, { auth: { token: TOKEN } });
    socket.on('connected', () => socket.emit('join_room', { room: 'course:123', type: 'discussion' }));
    socket.on('joined-room', () => {
      // Send typing indicator
      socket.emit('typing_start', {
        room: 'course:123',
        discussionId: 'discussion-456',
      });

      socket.emit('typing_stop', {
        room: 'course:123',
        discussionId: 'discussion-456',
      });
    });
  });
}

const step = process.argv[2];
if (step === '002-messaging') seed002Messaging();
if (step === '004-typing') seed004Typing();
if (step === '000') seed000();
if (step === '002') { current = '002'; new DashboardService().connect('u-002', TOKEN); }
if (step === '003') seed003();
if (step === '004') seed004();
setTimeout(() => process.exit(0), 60000);
