/** Name and place lists for realistic Argentine demo data (Córdoba province). */

export const maleFirstNames = [
  'José', 'Juan', 'Carlos', 'Jorge', 'Luis', 'Miguel', 'Roberto', 'Daniel', 'Héctor', 'Raúl', 'Sergio', 'Ricardo',
  'Oscar', 'Rubén', 'Alberto', 'Marcelo', 'Gustavo', 'Diego', 'Pablo', 'Martín', 'Matías', 'Nicolás', 'Lucas',
  'Facundo', 'Gonzalo', 'Federico', 'Agustín', 'Santiago', 'Tomás', 'Joaquín', 'Ramón', 'Néstor', 'Hugo', 'Julián',
  'Andrés', 'Fernando', 'Ezequiel', 'Maximiliano', 'Ignacio', 'Emiliano', 'Valentín', 'Germán', 'Cristian', 'Darío',
  'Mariano', 'Leandro', 'Claudio', 'Walter', 'Ángel', 'Rodrigo', 'Hernán', 'Benjamín', 'Thiago', 'Iván',
] as const;

export const femaleFirstNames = [
  'María', 'Ana', 'Laura', 'Marta', 'Silvia', 'Patricia', 'Graciela', 'Susana', 'Norma', 'Claudia', 'Mónica',
  'Gabriela', 'Sandra', 'Liliana', 'Alejandra', 'Verónica', 'Carolina', 'Florencia', 'Lucía', 'Sofía', 'Valentina',
  'Camila', 'Julieta', 'Agustina', 'Micaela', 'Romina', 'Natalia', 'Paula', 'Daniela', 'Cecilia', 'Victoria',
  'Rocío', 'Belén', 'Milagros', 'Celeste', 'Noelia', 'Soledad', 'Inés', 'Mariela', 'Lorena', 'Andrea', 'Beatriz',
  'Rosa', 'Elena', 'Teresa', 'Josefina', 'Martina', 'Catalina', 'Luján', 'Ximena', 'Débora', 'Mercedes', 'Tamara',
] as const;

export const surnames = [
  'González', 'Rodríguez', 'Gómez', 'Fernández', 'López', 'Díaz', 'Martínez', 'Pérez', 'García', 'Sánchez',
  'Romero', 'Sosa', 'Álvarez', 'Torres', 'Ruiz', 'Ramírez', 'Flores', 'Acosta', 'Benítez', 'Medina', 'Suárez',
  'Herrera', 'Aguirre', 'Pereyra', 'Gutiérrez', 'Giménez', 'Molina', 'Silva', 'Castro', 'Rojas', 'Ortiz', 'Núñez',
  'Luna', 'Juárez', 'Cabrera', 'Ríos', 'Ferreyra', 'Godoy', 'Morales', 'Domínguez', 'Moreno', 'Peralta', 'Vega',
  'Carrizo', 'Quiroga', 'Castillo', 'Ledesma', 'Muñoz', 'Ojeda', 'Ponce', 'Vera', 'Vázquez', 'Villalba', 'Cardozo',
  'Navarro', 'Ramos', 'Arias', 'Coronel', 'Córdoba', 'Figueroa', 'Correa', 'Cáceres', 'Vargas', 'Maldonado',
  'Mansilla', 'Farías', 'Rivero', 'Paz', 'Miranda', 'Roldán', 'Méndez', 'Lucero', 'Cruz', 'Hernández', 'Agüero',
  'Páez', 'Blanco', 'Mendoza', 'Barrios', 'Escobar', 'Ávila', 'Soria', 'Leiva', 'Acuña', 'Maidana', 'Moyano',
  'Campos', 'Olivera', 'Duarte', 'Soto', 'Bustos', 'Chávez', 'Bravo', 'Valdez', 'Toledo', 'Bianchi', 'Rossi',
  'Romano', 'Colombo', 'Ferrari', 'Ibáñez', 'Zárate', 'Quinteros', 'Oviedo', 'Brizuela', 'Tello', 'Arce',
] as const;

export const companyWords = [
  'Panadería', 'Ferretería', 'Almacén', 'Farmacia', 'Kiosco', 'Estudio Jurídico', 'Consultorio', 'Taller',
  'Carnicería', 'Verdulería', 'Librería', 'Hotel', 'Cabañas', 'Hostería', 'Inmobiliaria', 'Veterinaria',
  'Distribuidora', 'Constructora', 'Autoservicio', 'Heladería', 'Pizzería', 'Gimnasio', 'Escuela', 'Club',
] as const;

export const companyNames = [
  'La Esquina', 'El Sol', 'Don Pepe', 'San Cayetano', 'Las Sierras', 'El Progreso', 'La Nueva', 'Los Álamos',
  'El Molino', 'Santa Rita', 'Del Valle', 'La Serranita', 'El Cóndor', 'Los Hornillos', 'La Cumbre', 'Río Azul',
  'Punilla', 'Traslasierra', 'El Ombú', 'Las Tres Marías', 'Mi Refugio', 'La Quinta', 'Güemes', 'Belgrano',
] as const;

export const companySuffixes = ['SRL', 'SA', 'SAS', 'y Cía.', '', ''] as const;

export interface City {
  name: string;
  areaCode: string;
  lat: number;
  lng: number;
  zip: string;
}

export const cities: readonly City[] = [
  { name: 'Villa Carlos Paz', areaCode: '3541', lat: -31.4241, lng: -64.4978, zip: '5152' },
  { name: 'Cosquín', areaCode: '3541', lat: -31.2451, lng: -64.4655, zip: '5166' },
  { name: 'La Falda', areaCode: '3548', lat: -31.0884, lng: -64.4898, zip: '5172' },
  { name: 'Río Ceballos', areaCode: '3543', lat: -31.1649, lng: -64.3224, zip: '5111' },
  { name: 'Alta Gracia', areaCode: '3547', lat: -31.6529, lng: -64.4284, zip: '5186' },
  { name: 'Jesús María', areaCode: '3525', lat: -30.9815, lng: -64.0942, zip: '5220' },
  { name: 'Unquillo', areaCode: '3543', lat: -31.2306, lng: -64.3163, zip: '5109' },
  { name: 'Capilla del Monte', areaCode: '3548', lat: -30.8606, lng: -64.5251, zip: '5184' },
  { name: 'Bialet Massé', areaCode: '3541', lat: -31.3144, lng: -64.4623, zip: '5158' },
  { name: 'Tanti', areaCode: '3541', lat: -31.3559, lng: -64.5906, zip: '5155' },
  { name: 'Córdoba', areaCode: '351', lat: -31.4135, lng: -64.1811, zip: '5000' },
  { name: 'Mina Clavero', areaCode: '3544', lat: -31.7217, lng: -65.0061, zip: '5889' },
] as const;

export const streets = [
  'Av. San Martín', 'Belgrano', 'Rivadavia', 'Sarmiento', 'Av. Libertad', '9 de Julio', '25 de Mayo', 'Mitre',
  'Moreno', 'Güemes', 'Av. Colón', 'Independencia', 'Lavalle', 'Tucumán', 'Córdoba', 'Santa Fe', 'Entre Ríos',
  'Bv. Illia', 'Av. Cárcano', 'José Hernández', 'Alem', 'Pueyrredón', 'Roca', 'Av. Uruguay', 'Las Heras', 'Caseros',
  'Italia', 'España', 'Chacabuco', 'Maipú', 'Jujuy', 'La Rioja', 'Catamarca', 'Los Álamos', 'Los Pinos',
  'Las Acacias', 'Los Espinillos', 'Av. Estrada', 'Gral. Paz', 'Deán Funes', 'Obispo Trejo', 'Ituzaingó',
  'Av. Sabattini', 'Dr. Ñañez', 'Brasil', 'Perú', 'Paraguay', 'Av. Cárdenas', 'Fray Luis Beltrán', 'Río Negro',
] as const;

export const emailDomains = ['gmail.com', 'gmail.com', 'gmail.com', 'hotmail.com', 'yahoo.com.ar', 'outlook.com', 'live.com.ar', 'fibertel.com.ar'] as const;

export interface PlanSpec {
  name: string;
  speed: string;
  profile: string;
  technology: 'fibre' | 'wireless';
  weight: number;
}

export const plans: readonly PlanSpec[] = [
  { name: 'Fibra 50 Mb', speed: '50M/25M', profile: 'fibra-50', technology: 'fibre', weight: 8 },
  { name: 'Fibra 100 Mb', speed: '100M/50M', profile: 'fibra-100', technology: 'fibre', weight: 30 },
  { name: 'Fibra 300 Mb', speed: '300M/150M', profile: 'fibra-300', technology: 'fibre', weight: 28 },
  { name: 'Fibra 600 Mb', speed: '600M/300M', profile: 'fibra-600', technology: 'fibre', weight: 12 },
  { name: 'Fibra 1000 Mb', speed: '1000M/500M', profile: 'fibra-1000', technology: 'fibre', weight: 5 },
  { name: 'Fibra Empresa 500 Mb', speed: '500M/500M', profile: 'empresa-500', technology: 'fibre', weight: 2 },
  { name: 'Inalámbrico 10 Mb', speed: '10M/2M', profile: 'wifi-10', technology: 'wireless', weight: 8 },
  { name: 'Inalámbrico 20 Mb', speed: '20M/4M', profile: 'wifi-20', technology: 'wireless', weight: 7 },
];

export const onuModels = [
  { prefix: 'HWTC', type: 'HG8145V5', weight: 40 },
  { prefix: 'HWTC', type: 'EG8145X6', weight: 10 },
  { prefix: 'ZTEG', type: 'F670L', weight: 25 },
  { prefix: 'ZTEG', type: 'F660', weight: 10 },
  { prefix: 'ALCL', type: 'G-140W-C', weight: 8 },
  { prefix: 'TPLG', type: 'XC220-G3v', weight: 7 },
] as const;

export const macOuis = ['48:8F:5A', 'B8:69:F4', 'DC:2C:6E', 'CC:2D:E0', '74:4D:28', 'E4:8D:8C', '18:FD:74', 'C4:AD:34', 'D4:01:C3'] as const;

export const disconnectReasons = ['peer-not-responding', 'hung-up', 'admin-disconnect', 'nas-request', 'port-error', 'lost-carrier'] as const;
